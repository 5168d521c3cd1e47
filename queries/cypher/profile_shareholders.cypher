// The shareholders of an enterprise (people and enterprises), current and former, with their
// contributions, the holding's period, how it ended and its equity changes.
// params: uid STRING
MATCH (h:Person)-[r:HOLDS_SHARES]->(e:Enterprise {uid: $uid})
RETURN 'Person' AS holder_label, h.uid AS holder_uid, h.name AS holder_name, h.id_masked AS holder_status,
       h.region AS holder_region, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency,
       r.subscribed_date AS subscribed_date, r.paid_date AS paid_date, r.report_year AS report_year,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by, r.changes AS changes
UNION ALL
MATCH (h:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise {uid: $uid})
RETURN 'Enterprise' AS holder_label, h.uid AS holder_uid, h.name AS holder_name, h.status AS holder_status,
       h.region AS holder_region, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency,
       r.subscribed_date AS subscribed_date, r.paid_date AS paid_date, r.report_year AS report_year,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by, r.changes AS changes
