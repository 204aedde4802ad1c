{{ config(materialized='incremental', unique_key='id') }}
select {{ var('inc_batch', 1) }} * 10 + i as id, 'batch {{ var("inc_batch", 1) }}' as v
from range(3) t(i)
{% if is_incremental() %}
where {{ var('inc_batch', 1) }} * 10 + i >= (select min(id) from {{ this }})
{% endif %}
