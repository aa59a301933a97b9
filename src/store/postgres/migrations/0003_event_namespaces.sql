-- Platform doors' event types moved into namespaces: a door's webhook now lists its platform's
-- names qualified (`thinkific:order.created`), so that the operator's own `order.created` never
-- reaches it. Webhooks made before list the bare names; qualify them (the JSON list and the
-- matching index alike). A name already holding a colon was qualified by the door; '*' stays.

UPDATE subscription_event_types t
   SET event_type = s.format || ':' || t.event_type
  FROM subscriptions s
 WHERE s.id = t.subscription_id
   AND s.format IN ('schoolmaker', 'timeback', 'kajabi', 'fourthwall', 'thinkific')
   AND t.event_type <> '*'
   AND position(':' in t.event_type) = 0;

UPDATE subscriptions
   SET event_types = (
     SELECT jsonb_agg(CASE WHEN e.value = '*' OR position(':' in e.value) > 0 THEN to_jsonb(e.value) ELSE to_jsonb(subscriptions.format || ':' || e.value) END ORDER BY e.ordinal)
       FROM jsonb_array_elements_text(subscriptions.event_types) WITH ORDINALITY AS e(value, ordinal)
   )
 WHERE format IN ('schoolmaker', 'timeback', 'kajabi', 'fourthwall', 'thinkific');
