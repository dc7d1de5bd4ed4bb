"""Not on the request path: the embedded PostgreSQL, the dataset, the demo, replays and the MCP client they use."""
