{{ config(materialized='external', format='json') }}
select order_id, customer_name from {{ ref('orders') }}
