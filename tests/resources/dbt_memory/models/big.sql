-- 300,000 rows from a 1,000-row seed: small inputs, a large result
select n.i * 300 + r.j as i, (n.i * 300 + r.j) % 7 as k, 'row ' || (n.i * 300 + r.j) as label
from {{ ref('nums') }} n cross join range(300) r(j)
