/* GET /api/health: liveness and database reachability. */
#include "config.h"

#include "../fcgi/metrics.h"
#include "handlers.h"

int
h_health_get(struct req *r, struct resp *resp)
{
	json_object	*o;
	char		*jobs = NULL;
	enum db_rc	 rc;

	/* One round trip: reading the jobs' last runs shows the database up. */
	if ((rc = db_job_last(r->db, r->arena, &jobs)) != DB_OK &&
	    rc != DB_UNAVAILABLE)
		rc = db_ping(r->db);
	if (rc != DB_OK && rc != DB_NOTFOUND) {
		metrics_db(MD_UNAVAILABLE);
		resp_error(resp, 503, "database_unavailable",
		    "Database unavailable");
		json_object_object_add(resp->body, "status",
		    json_object_new_string("unavailable"));
		json_object_object_add(resp->body, "database",
		    json_object_new_string("unavailable"));
		return 503;
	}
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ok"));
	json_object_object_add(o, "database", json_object_new_string("ok"));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	/* The last run of each background job, whichever host ran it. */
	if (rc == DB_OK && jobs != NULL)
		json_object_object_add(o, "jobs", json_tokener_parse(jobs));
	return resp_json(resp, 200, o);
}
