select o.*, c.name as customer_name
from {{ ref('stg_orders') }} as o
join {{ ref('customers') }} as c on c.id = o.customer_id
