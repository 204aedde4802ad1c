-- customers whose last order is more than var('at_risk_days') days before
-- the latest order date in the data
with latest as (
    select max(order_date) as latest_order_date from {{ ref('orders') }}
)

select
    c.customer_id,
    c.first_name,
    c.last_name,
    c.most_recent_order,
    c.number_of_orders,
    c.customer_lifetime_value,
    datediff('day', c.most_recent_order, l.latest_order_date) as days_since_last_order
from {{ ref('customers') }} c
cross join latest l
where c.most_recent_order is not null
  and datediff('day', c.most_recent_order, l.latest_order_date) > {{ var('at_risk_days') }}
