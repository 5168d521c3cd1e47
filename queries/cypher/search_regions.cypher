// Every administrative division (for region names and region filters).
MATCH (r:Region)
RETURN r.uid AS uid, r.name AS name, r.level AS level, r.province AS province, r.city AS city
ORDER BY r.uid
