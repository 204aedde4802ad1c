-- per order date: orders and amount over the trailing window, latest 50 dates
with daily as (
    select
        order_date,
        count(*) as orders,
        sum(amount) as amount
    from {{ ref('orders') }}
    group by order_date
),

rolling as (
    select
        d.order_date,
        sum(w.orders) as orders_30d,
        sum(w.amount)::decimal(18, 2) as amount_30d
    from daily d
    join daily w
      on w.order_date > d.order_date - interval {{ var('rolling_window_days') }} day
     and w.order_date <= d.order_date
    group by d.order_date
)

select order_date, orders_30d, amount_30d
from rolling
order by order_date desc
limit 50
