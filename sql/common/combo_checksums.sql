-- Checksums of the rows a combo repair may touch: a rollback must bring back exactly these.
SELECT (SELECT count(*) FROM menuca_v3.combo_items) AS combo_items,
       (SELECT md5(coalesce(string_agg(ci::text, '|' ORDER BY ci.id), '')) FROM menuca_v3.combo_items ci)
           AS combo_items_md5,
       (SELECT count(*) FROM menuca_v3.dishes) AS dishes,
       (SELECT md5(coalesce(string_agg(d::text, '|' ORDER BY d.id), '')) FROM menuca_v3.dishes d) AS dishes_md5
