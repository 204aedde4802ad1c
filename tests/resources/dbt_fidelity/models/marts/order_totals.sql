-- reads an external model in the same run, through its view
select status, count(*) as n, sum(amount) as amount
from {{ ref('orders_parquet') }}
group by status
