// Enterprises with a founding date that show an end: a dissolved date, or a status text
// naming the end (注销, 吊销, 撤销, 迁出 and variants; mirrors lifecycle.END_MARKERS). The
// end date of those without a dissolved date comes from their listings (queries.lifecycle).
MATCH (e:Enterprise)
WHERE e.founded IS NOT NULL
  AND (e.dissolved IS NOT NULL OR e.status CONTAINS '注销' OR e.status CONTAINS '吊销'
       OR e.status CONTAINS '撤销' OR e.status CONTAINS '迁出')
RETURN e.uid AS enterprise, e.founded AS founded, e.dissolved AS dissolved, e.status AS status
