-- The benchmark's population job (policies/benchmark-population.yaml, and its -export twin) for
-- DuckDB: the oracle. Placeholders as in reference.sql, filled in by Benchmarks/duckdb_run.py.
-- ABC by spend (80% / 95%, the record crossing a line included), RFM quintiles with NTILE(5),
-- every order broken by customer_id.
COPY (
  WITH src AS (
    SELECT row_number() OVER () AS rn, *
    FROM read_csv('{input}', header = true, all_varchar = true, quote = '"', escape = '"')
  ),
  typed AS (
    SELECT rn, customer_id,
      CASE WHEN last_purchase IS NULL THEN 9999
           ELSE date_diff('day', CAST(last_purchase AS DATE), DATE '2024-03-01') END AS recency_days,
      CAST(orders_12m AS INTEGER) AS orders_12m,
      CAST(spend_12m AS DECIMAL(18, 2)) AS spend_12m,
      CAST(industry_growth AS DECIMAL(18, 4)) AS industry_growth,
      CAST(repurchase_rate AS DECIMAL(18, 4)) AS repurchase_rate,
      {monthly_spend} AS ms
    FROM src
  ),
  scored AS (
    SELECT *,
      ROUND(
        0.20 * CASE WHEN recency_days <= 30 THEN 100 WHEN recency_days <= 60 THEN 80 WHEN recency_days <= 90 THEN 60
                    WHEN recency_days <= 180 THEN 30 ELSE 0 END
        + 0.15 * CASE WHEN orders_12m >= 12 THEN 100 WHEN orders_12m >= 6 THEN 70 WHEN orders_12m >= 3 THEN 40
                      WHEN orders_12m >= 1 THEN 20 ELSE 0 END
        + 0.35 * CASE WHEN spend_12m >= 500000 THEN 100 WHEN spend_12m >= 200000 THEN 80 WHEN spend_12m >= 50000 THEN 50
                      WHEN spend_12m >= 10000 THEN 20 ELSE 0 END
        + 0.15 * CASE WHEN industry_growth >= 0.10 THEN 100 WHEN industry_growth >= 0.05 THEN 60
                      WHEN industry_growth >= 0 THEN 30 ELSE 0 END
        + 0.15 * LEAST(GREATEST(repurchase_rate * 100, 0), 100), 2) AS score
    FROM typed
  ),
  ranked AS (
    SELECT *,
      COALESCE(SUM(GREATEST(spend_12m, 0)) OVER (ORDER BY spend_12m DESC, customer_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before_sum,
      SUM(GREATEST(spend_12m, 0)) OVER () AS total,
      NTILE(5) OVER (ORDER BY recency_days DESC, customer_id) AS r,
      NTILE(5) OVER (ORDER BY orders_12m, customer_id) AS f,
      NTILE(5) OVER (ORDER BY spend_12m, customer_id) AS m
    FROM scored
  )
  SELECT customer_id, score,
    CASE WHEN score >= 90 AND repurchase_rate >= 0.80 THEN 'vip' WHEN score >= 70 THEN 'key'
         WHEN score >= 50 THEN 'standard' ELSE 'watch' END AS tier,
    NULLIF(concat_ws(';',
      CASE WHEN ms[-1] < 0.5 * ms[-3] AND ms[-2] < 0.5 * ms[-4] THEN 'reevaluate_now' END,
      CASE WHEN recency_days > 90 THEN 'churn_risk' END), '') AS flags,
    -- Exact: before / total < 80%  ⇔  before × 100 < total × 80.
    CASE WHEN total <= 0 THEN 'C' WHEN before_sum * 100 < total * 80 THEN 'A'
         WHEN before_sum * 100 < total * 95 THEN 'B' ELSE 'C' END AS abc,
    CASE WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'champions'
         WHEN f >= 4 AND m >= 3 THEN 'loyal'
         WHEN r <= 2 AND f >= 3 THEN 'at_risk'
         WHEN r >= 4 AND f <= 2 THEN 'promising'
         WHEN r <= 2 AND f <= 2 THEN 'hibernating'
         ELSE 'needs_attention' END AS segment,
    '2024-03-01' AS as_of, '{policy}' AS policy, '1' AS policy_version, '{policy_sha256}' AS policy_sha256
  FROM ranked
  ORDER BY rn
) TO '{output}' (HEADER, DELIMITER ',');
