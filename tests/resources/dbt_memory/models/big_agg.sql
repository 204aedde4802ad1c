select k, count(*) as n, sum(i) as s from {{ ref('big') }} group by k
