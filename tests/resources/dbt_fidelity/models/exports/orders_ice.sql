{{ config(materialized='external', format='iceberg', location='lake/orders_ice') }}
select order_id, amount from {{ ref('orders') }}
