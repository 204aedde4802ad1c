select count(*) as n, max(label) as top from {{ ref('big_sevens') }}
