{{ config(materialized='external', location='exports/orders.csv', delimiter='|') }}
select order_id, status from {{ ref('orders') }}
