// The shareholders of an enterprise (people and enterprises) with their contributions.
// params: uid STRING
MATCH (h:Person)-[r:HOLDS_SHARES]->(e:Enterprise {uid: $uid})
RETURN 'Person' AS holder_label, h.uid AS holder_uid, h.name AS holder_name, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency,
       r.subscribed_date AS subscribed_date, r.paid_date AS paid_date, r.report_year AS report_year
UNION ALL
MATCH (h:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise {uid: $uid})
RETURN 'Enterprise' AS holder_label, h.uid AS holder_uid, h.name AS holder_name, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency,
       r.subscribed_date AS subscribed_date, r.paid_date AS paid_date, r.report_year AS report_year
