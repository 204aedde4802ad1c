-- the profile's DuckDB settings reach every connection of the run
select current_setting('memory_limit') as memory_limit, current_setting('threads') as threads
