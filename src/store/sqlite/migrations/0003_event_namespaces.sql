-- Platform doors' event types moved into namespaces: a door's webhook now lists its platform's
-- names qualified (`thinkific:order.created`), so that the operator's own `order.created` never
-- reaches it. Webhooks made before list the bare names; qualify them (the JSON list and the
-- matching index alike). A name already holding a colon was qualified by the door; '*' stays.

UPDATE subscription_event_types
   SET event_type = (SELECT s.format FROM subscriptions s WHERE s.id = subscription_id) || ':' || event_type
 WHERE event_type <> '*'
   AND instr(event_type, ':') = 0
   AND subscription_id IN (SELECT id FROM subscriptions WHERE format IN ('schoolmaker', 'timeback', 'kajabi', 'fourthwall', 'thinkific'));

UPDATE subscriptions
   SET event_types = (
     SELECT json_group_array(CASE WHEN e.value = '*' OR instr(e.value, ':') > 0 THEN e.value ELSE subscriptions.format || ':' || e.value END)
       FROM (SELECT value FROM json_each(subscriptions.event_types) ORDER BY key) AS e
   )
 WHERE format IN ('schoolmaker', 'timeback', 'kajabi', 'fourthwall', 'thinkific');
