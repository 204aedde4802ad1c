select 1 as child from {{ ref('broken') }}
