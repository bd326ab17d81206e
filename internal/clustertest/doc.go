// Package clustertest proves the product on a production-shaped Temporal deployment: PostgreSQL
// 15, the Temporal server (frontend, history, matching and worker services, configured by
// deploy/temporal/ordermanager.yaml) with schemas made by temporal-sql-tool, the namespace and
// search attributes made by `starter setup`, three ./bin/worker replicas against the CartRover and
// CB simulators, 1,000 orders with held ones among them, workers killed with SIGKILL and one
// restarted, PostgreSQL restarted mid-run, and the orders taken by a schedule on its trigger.
// Correctness is judged at the simulators: exactly one CB sales order per importable order (by
// POCode = cust_ref), none for a held order, no failed workflow, and CartRover's pace measured
// against its bucket.
//
// The test runs only with ORDERMANAGER_CLUSTER_TEST=1 (make test-cluster builds what it needs
// and sets it). CLUSTER_COMPARE_DEV=1 also runs the same scenario on the dev server and reports
// the ratio of orders per second.
package clustertest
