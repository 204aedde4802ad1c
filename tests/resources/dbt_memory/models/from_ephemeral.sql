select count(*) as n, sum(i) as s from {{ ref('big_ones') }}
