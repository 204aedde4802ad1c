-- an analysis: compiled, never run
select customer_name, sum(amount) as total
from {{ ref('orders') }}
group by customer_name
order by total desc
limit {{ var('top_n', 3) }}
