{{ config(materialized='external', format='iceberg',
          pre_hook="create or replace temp table hook_made as select 42 as answer") }}
select p.id, p.name, doubled(p.score) * {{ var('factor') }} as scaled,
       (select answer from hook_made) as answer,
       case when p.id = 3 then null else 1 end as maybe
from {{ ref('people_ephemeral') }} p
