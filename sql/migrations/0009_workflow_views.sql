-- A workflow as the original answers it: the whole row, camelCase.
CREATE FUNCTION apconn.workflow_json(w apconn.workflows) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT json_build_object('id', w.id, 'name', w.name,
	    'description', w.description, 'userId', w.user_id,
	    'nodes', w.nodes, 'edges', w.edges, 'visibility', w.visibility,
	    'engineType', w.engine_type, 'daprWorkflowName', w.dapr_workflow_name,
	    'daprOrchestratorUrl', w.dapr_orchestrator_url,
	    'createdAt', apconn.iso(w.created_at),
	    'updatedAt', apconn.iso(w.updated_at))
$fn$;

-- The connection a node names: its auth template (data.config.auth, else
-- data.auth), else its legacy integrationId (an app connection id of the
-- owner's), as an external id; NULL when it names none.
CREATE FUNCTION apconn.node_external_id(n jsonb, owner text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT COALESCE(
	    apconn.template_external_id(n #>> '{data,config,auth}'),
	    apconn.template_external_id(n #>> '{data,auth}'),
	    (SELECT c.external_id FROM apconn.app_connection c
	     WHERE c.owner_id = owner AND c.id = COALESCE(
		n #>> '{data,config,integrationId}', n #>> '{data,integrationId}')))
$fn$;
