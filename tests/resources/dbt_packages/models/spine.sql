{{ dbt.date_spine('day', "date '2024-01-01'", "date '2024-01-05'") }}
