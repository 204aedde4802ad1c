select i, i % 7 as k, 'row ' || i as label from range(300000) t(i)
