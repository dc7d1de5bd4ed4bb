"""Shared pieces of the tools: catalog reads, timings, gates, the RLS plan and its test matrix."""
