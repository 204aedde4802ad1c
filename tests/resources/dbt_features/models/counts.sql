{% set rows = run_query("select 7 as n") %}
select {{ rows[0]['n'] if rows else 0 }} as from_run_query, count(*) as people from {{ ref('people_scored') }}
