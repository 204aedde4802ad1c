/*
 * Running a command over a dbt project (floe_dbt_execute): compile, or
 * seed / run / test / build with the nodes scheduled in dependency order
 * on up to --threads workers, dbt build's test gates, results kept in
 * DuckDB for their readers, the committer thread, dbt-style progress
 * lines, and the artifacts at the end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dbt_artifacts.h"
#include "dbt_context.h"
#include "dbt_materialize.h"
#include "dbt_runtime.h"
#include "dbt_select.h"
#include "dbt_tests.h"

static void status_line(floe_dbt *d, size_t idx, size_t total, const dbt_node *n, const char *what)
{
	static const char *names[] = {"", "OK", "WARN", "ERROR", "SKIP", "FAIL"};
	char label[300];
	int w;
	if (n->kind == DBT_TEST)
		snprintf(label, sizeof(label), "%s %s", what, n->name);
	else
		snprintf(label, sizeof(label), "%s %s.%s", what, n->schema, n->alias);
	w = 60 - (int)strlen(label);
	{
		const char *st =
		    n->status == ST_PASS && n->kind == DBT_TEST ? "PASS" : names[n->status];
		floe_log(FLOE_LOG_INFO, "%zu of %zu %-5s %s %.*s [%s in %.2fs]", idx, total, st,
		         label, w > 3 ? w : 3,
		         "............................................................", st,
		         n->seconds);
	}
	if ((n->status == ST_ERROR || n->status == ST_FAIL || n->status == ST_WARN) && n->message)
		floe_log(FLOE_LOG_INFO, "  %s", n->message);
	(void)d;
}

/* A node is skipped when what it reads errored or was skipped, and in a
 * build when a test gating it failed or errored (a warning does not) */
static bool upstream_failed(floe_dbt *d, const dbt_node *n)
{
	for (size_t i = 0; i < n->nparents; i++) {
		const dbt_node *p = &d->nodes[n->parents[i]];
		if (p->status == ST_ERROR || p->status == ST_SKIP)
			return true;
	}
	for (size_t i = 0; i < n->ngates; i++) {
		dbt_status st = d->nodes[n->gates[i]].status;
		if (st == ST_ERROR || st == ST_FAIL || st == ST_SKIP)
			return true;
	}
	return false;
}

/* is `a` an ancestor of `n`? (breadth first; mark[] and queue[] are
 * scratch of nnodes entries, mark compared with the stamp) */
static bool reads(floe_dbt *d, size_t n, size_t a, unsigned *mark, unsigned stamp, size_t *queue)
{
	size_t head = 0, tail = 0;
	queue[tail++] = n;
	mark[n] = stamp;
	while (head < tail) {
		const dbt_node *x = &d->nodes[queue[head++]];
		for (size_t i = 0; i < x->nparents; i++) {
			size_t p = x->parents[i];
			if (p == a)
				return true;
			if (mark[p] != stamp) {
				mark[p] = stamp;
				queue[tail++] = p;
			}
		}
	}
	return false;
}

static int add_gate(dbt_node *n, size_t t)
{
	size_t *g;
	for (size_t k = 0; k < n->ngates; k++)
		if (n->gates[k] == t)
			return 0;
	g = floe_realloc(n->gates, (n->ngates + 1) * sizeof(size_t));
	if (g == NULL)
		return FLOE_ENOMEM;
	n->gates = g;
	n->gates[n->ngates++] = t;
	return 0;
}

/* The selected nodes n reads through unselected ones gate it, as dbt keeps
 * the transitive edges of a selection (a -> b -> c with b left out: c
 * still runs after a, and not when a fails). */
static int through_unselected(floe_dbt *d, dbt_node *n, size_t at, unsigned *mark, unsigned stamp,
                              int depth)
{
	const dbt_node *x = &d->nodes[at];
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < x->nparents && depth < 512; i++) {
		size_t p = x->parents[i];
		if (mark[p] == stamp)
			continue;
		mark[p] = stamp;
		if (d->nodes[p].selected)
			rc = at == (size_t)(n - d->nodes) ? 0 : add_gate(n, p);
		else
			rc = through_unselected(d, n, p, mark, stamp, depth + 1);
	}
	return rc;
}

static int transitive_gates(floe_dbt *d)
{
	unsigned *mark = floe_calloc(d->nnodes + 1, sizeof(unsigned)), stamp = 0;
	int rc = mark ? 0 : FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++)
		if (d->nodes[i].selected)
			rc = through_unselected(d, &d->nodes[i], i, mark, ++stamp, 0);
	floe_free(mark);
	return rc;
}

/* dbt build's test edges (dbt-core Linker.add_test_edges): a selected test
 * gates each selected model or seed that reads directly one of the nodes
 * it tests and, directly or not, all of them; the gated node runs after
 * the test and is skipped when the test fails. */
static int build_gates(floe_dbt *d)
{
	size_t n = d->nnodes, *nkids = floe_calloc(n + 1, sizeof(size_t));
	size_t **kids = floe_calloc(n + 1, sizeof(size_t *)),
	       *queue = floe_calloc(n + 1, sizeof(size_t));
	unsigned *mark = floe_calloc(n + 1, sizeof(unsigned)), stamp = 0;
	int rc = nkids && kids && queue && mark ? 0 : FLOE_ENOMEM;
	/* the selected models and seeds reading each node */
	for (size_t c = 0; rc == 0 && c < n; c++) {
		const dbt_node *cn = &d->nodes[c];
		if (!cn->selected || (cn->kind != DBT_MODEL && cn->kind != DBT_SEED))
			continue;
		for (size_t k = 0; rc == 0 && k < cn->nparents; k++) {
			size_t p = cn->parents[k],
			       *g = floe_realloc(kids[p], (nkids[p] + 1) * sizeof(size_t));
			if (g == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			kids[p] = g;
			kids[p][nkids[p]++] = c;
		}
	}
	for (size_t t = 0; rc == 0 && t < n; t++) {
		const dbt_node *tn = &d->nodes[t];
		if (tn->kind != DBT_TEST || !tn->selected)
			continue;
		for (size_t j = 0; rc == 0 && j < tn->nparents; j++) {
			size_t p = tn->parents[j];
			for (size_t k = 0; rc == 0 && k < nkids[p]; k++) {
				size_t c = kids[p][k];
				bool all = true;
				/* strictly downstream of every tested node (a node the
				 * test reads must not wait for it) */
				for (size_t o = 0; all && o < tn->nparents; o++)
					all = tn->parents[o] != c &&
					      (tn->parents[o] == p ||
					       reads(d, c, tn->parents[o], mark, ++stamp, queue));
				if (all)
					rc = add_gate(&d->nodes[c], t);
			}
		}
	}
	for (size_t i = 0; kids && i < n; i++)
		floe_free(kids[i]);
	floe_free(kids);
	floe_free(nkids);
	floe_free(queue);
	floe_free(mark);
	return rc;
}

/* The error as one line: DuckDB's advice sections cut, lines joined. */
static void fail_node(dbt_node *n, dbt_status st)
{
	static const char *cuts[] = {"\nPossible fixes", "\nThe search space", "\n  file = "};
	const char *msg = floe_error_message();
	size_t len = strlen(msg);
	floe_buf b = FLOE_BUF_INIT;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		const char *c = strstr(msg, cuts[i]);
		if (c && (size_t)(c - msg) < len)
			len = (size_t)(c - msg);
	}
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	for (size_t i = 0; i < len; i++)
		if (msg[i] == '\n')
			floe_buf_puts(&b, " | ");
		else
			floe_buf_putc(&b, msg[i]);
	n->status = st;
	floe_free(n->message);
	n->message = floe_buf_detach(&b, NULL);
	floe_error_clear();
}

/* dbt's words for what was done: "created sql <materialization> model" */
static const char *what_of(const dbt_node *n, char *buf, size_t size)
{
	const char *m = dbt_mat(n);
	if (n->kind == DBT_SEED)
		return "loaded seed file";
	if (n->kind == DBT_TEST)
		return "test";
	if (strcmp(m, "ephemeral") == 0)
		return "compiled ephemeral model";
	snprintf(buf, size, "created sql %s model", m);
	return buf;
}

/* ---- scheduling: nodes run when their selected inputs are done, on up
 * to `threads` workers (dbt's --threads / the profile's threads) ---- */

/* ---- kept results: a table's result stays in DuckDB while selected nodes
 * still read it; a large one (or one past the budget) is released, read
 * from its data files again, once its last reader is done ---- */

/* FLOE_KEEP_MB: data-file MiB of all results kept at once (default 256;
 * 0: keep none); a result over a sixteenth of it counts as large */
static int64_t keep_budget(void)
{
	const char *s = getenv("FLOE_KEEP_MB");
	int64_t mb = 256;
	if (s && (floe_parse_i64(&mb, s) != 0 || mb < 0)) {
		floe_log(FLOE_LOG_WARN, "FLOE_KEEP_MB='%s' is not a number of MiB; using 256", s);
		mb = 256;
	}
	return mb << 20;
}

static void add_reader(floe_dbt *d, dbt_node *p, void *arg)
{
	(void)d;
	(void)arg;
	p->readers++;
}

static void count_readers(floe_dbt *d, bool keep)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		d->nodes[i].readers = 0;
		d->nodes[i].kept = false;
	}
	for (size_t i = 0; keep && i < d->nnodes; i++)
		if (d->nodes[i].selected)
			dbt_each_input(d, &d->nodes[i], add_reader, NULL, 0);
}

/*
 * Where a node of the run is (worker.state[], under worker.mu). A seed or
 * table whose commit is left pending (defers_commit) is READABLE once its
 * kept result is in DuckDB and its data files are written: the committer
 * thread commits it, in the order the nodes became READABLE, while the
 * workers go on. Only nodes that commit nothing before what they read is
 * committed start on a READABLE input (starts_early): tests that store no
 * failures and tables whose own commit is pending. Such a node becomes
 * READABLE too and is finished by the committer after its inputs: when
 * one of them failed to commit it is SKIP whatever it computed, and a
 * pending commit of its own is abandoned. So a run commits, and reports,
 * what it would have without the overlap.
 */
enum { NODE_WAITING, NODE_RUNNING, NODE_DONE, NODE_READABLE };

typedef struct {
	dbt_node **items; /* READABLE nodes in the order they became so */
	size_t head, tail;
} commit_queue;

typedef struct {
	floe_dbt *d;
	floe_dbt_summary *sum;
	size_t total, *done_count;
	int *state;          /* NODE_* of each node */
	size_t *remaining;   /* selected nodes not DONE */
	commit_queue *queue; /* NULL: every node commits on its worker */
	int64_t *kept_bytes; /* of the results kept now */
	int64_t keep_budget;
	pthread_mutex_t *mu; /* the fields above and each node's run state */
	pthread_cond_t *cv;  /* a node is done or readable, or the queue grew */
	dbt_worker h;        /* this thread's connection and catalog handle */
} worker;

/* may n start while an input of it is READABLE, not DONE? */
static bool starts_early(worker *w, dbt_node *n)
{
	if (w->queue == NULL)
		return false;
	if (n->kind == DBT_TEST)
		return !floe_jinja_truthy(json_object_get(n->config, "store_failures"));
	return dbt_defers_commit(w->d, n);
}

/* may n start? Each input DONE, or READABLE when n starts early (asked
 * only once every input is one of the two: what starts_early reads of
 * them is written by now) */
static bool inputs_done(worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	bool readable = false;
	for (size_t i = 0; i < n->nparents + n->ngates; i++) {
		size_t k = i < n->nparents ? n->parents[i] : n->gates[i - n->nparents];
		if (i < n->nparents && !d->nodes[k].selected)
			continue;
		if (w->state[k] == NODE_READABLE)
			readable = true;
		else if (w->state[k] != NODE_DONE)
			return false;
	}
	return !readable || starts_early(w, n);
}

/* is every input of n DONE (its outcome final)? */
static bool inputs_final(worker *w, const dbt_node *n)
{
	for (size_t i = 0; i < n->nparents; i++)
		if (w->d->nodes[n->parents[i]].selected && w->state[n->parents[i]] != NODE_DONE)
			return false;
	for (size_t i = 0; i < n->ngates; i++)
		if (w->state[n->gates[i]] != NODE_DONE)
			return false;
	return true;
}

typedef struct {
	worker *w;
	dbt_node **release;
	size_t n;
} done_reading;

/* n is done: one reader less for each input (under w->mu); collect the
 * kept results to release */
static void drop_reader(floe_dbt *d, dbt_node *p, void *arg)
{
	done_reading *dr = arg;
	(void)d;
	if (--p->readers > 0 || !p->kept)
		return;
	/* past 64 at once the rest stay kept (correct, only memory) */
	if ((p->bytes >= dr->w->keep_budget / 16 || *dr->w->kept_bytes > dr->w->keep_budget) &&
	    dr->n < 64) {
		p->kept = false;
		*dr->w->kept_bytes -= p->bytes;
		dr->release[dr->n++] = p;
	}
}

static void release_inputs(worker *w, dbt_node *n)
{
	dbt_node *rel[64];
	done_reading dr = {w, rel, 0};
	pthread_mutex_lock(w->mu);
	if (n->kept)
		*w->kept_bytes += n->bytes;
	dbt_each_input(w->d, n, drop_reader, &dr, 0);
	pthread_mutex_unlock(w->mu);
	for (size_t i = 0; i < dr.n; i++) {
		pthread_mutex_lock(&w->d->ddl_mu);
		if (floe_table_release(w->h.engine, w->h.catalog, rel[i]->schema, rel[i]->alias) !=
		    0) {
			floe_log(FLOE_LOG_WARN, "%s: %s", rel[i]->unique_id, floe_error_message());
			floe_error_clear();
		} else {
			floe_log(FLOE_LOG_DEBUG, "%s: result released from memory (%lld bytes)",
			         rel[i]->unique_id, (long long)rel[i]->bytes);
		}
		pthread_mutex_unlock(&w->d->ddl_mu);
	}
}

/* n's outcome is final: counted, reported, DONE (called without worker.mu) */
static void finish_node(worker *w, dbt_node *n)
{
	char what[64];
	floe_dbt *d = w->d;
	release_inputs(w, n);
	pthread_mutex_lock(w->mu);
	switch (n->status) {
	case ST_SKIP: w->sum->skip++; break;
	case ST_ERROR:
	case ST_FAIL: w->sum->error++; break;
	case ST_WARN: w->sum->warn++; break;
	default: w->sum->pass++;
	}
	n->seconds = (double)(floe_time_mono_us() - n->started_us) / 1e6;
	(*w->done_count)++;
	status_line(d, *w->done_count, w->total, n, what_of(n, what, sizeof(what)));
	w->state[n - d->nodes] = NODE_DONE;
	(*w->remaining)--;
	pthread_cond_broadcast(w->cv);
	pthread_mutex_unlock(w->mu);
}

/* SKIP whatever n computed (under worker.mu) */
static void skip_node(dbt_node *n)
{
	n->status = ST_SKIP;
	floe_free(n->message);
	n->message = NULL;
}

static void run_one(worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	floe_table_pending *pending = NULL;
	int rc = 0;
	n->started_us = floe_time_mono_us();
	pthread_mutex_lock(w->mu);
	bool skip = upstream_failed(d, n);
	pthread_mutex_unlock(w->mu);
	floe_log(FLOE_LOG_DEBUG, "START %s", n->unique_id);
	if (!skip)
		rc = dbt_run_node(&w->h, n, w->queue ? &pending : NULL);
	if (skip)
		n->status = ST_SKIP;
	else if (rc != 0)
		fail_node(n, ST_ERROR);
	pthread_mutex_lock(w->mu);
	if (w->queue && (pending || !inputs_final(w, n))) {
		/* the committer finishes it, after its inputs */
		n->pending = pending;
		w->queue->items[w->queue->tail++] = n;
		w->state[n - d->nodes] = NODE_READABLE;
		pthread_cond_broadcast(w->cv);
		pthread_mutex_unlock(w->mu);
		return;
	}
	if (!skip && upstream_failed(d, n)) /* an input's commit failed meanwhile */
		skip_node(n);
	pthread_mutex_unlock(w->mu);
	finish_node(w, n);
}

/* The committer: READABLE nodes in order, each once all it read is DONE
 * (those became READABLE before it). */
static void commit_one(worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	bool failed;
	int rc = 0;
	pthread_mutex_lock(w->mu);
	failed = upstream_failed(d, n);
	pthread_mutex_unlock(w->mu);
	if (failed) { /* what it read is not committed: neither is it */
		floe_table_abandon(n->pending);
		pthread_mutex_lock(w->mu); /* workers read the status */
		skip_node(n);
		pthread_mutex_unlock(w->mu);
	} else if (n->pending) {
		floe_write_result res = {0};
		rc = floe_table_commit(w->h.catalog, n->pending, &res);
		if (rc) {
			pthread_mutex_lock(w->mu);
			fail_node(n, ST_ERROR);
			pthread_mutex_unlock(w->mu);
		}
	}
	if (n->pending && (failed || rc)) {
		/* readers of this database see the table's last commit again */
		pthread_mutex_lock(&d->ddl_mu);
		if (floe_table_release(w->h.engine, w->h.catalog, n->schema, n->alias) != 0) {
			floe_log(FLOE_LOG_WARN, "%s: %s", n->unique_id, floe_error_message());
			floe_error_clear();
		}
		pthread_mutex_unlock(&d->ddl_mu);
		n->kept = false;
	}
	n->pending = NULL;
	finish_node(w, n);
}

static void *commit_work(void *arg)
{
	worker *w = arg;
	pthread_mutex_lock(w->mu);
	for (;;) {
		dbt_node *n;
		if (w->queue->head == w->queue->tail) {
			if (*w->remaining == 0)
				break;
			pthread_cond_wait(w->cv, w->mu);
			continue;
		}
		n = w->queue->items[w->queue->head++];
		pthread_mutex_unlock(w->mu);
		commit_one(w, n);
		pthread_mutex_lock(w->mu);
	}
	pthread_mutex_unlock(w->mu);
	return NULL;
}

static void *work(void *arg)
{
	worker *w = arg;
	floe_dbt *d = w->d;
	pthread_mutex_lock(w->mu);
	for (;;) {
		dbt_node *next = NULL;
		bool pending = false;
		/* in dependency order; a ready test first (tests are short and
		 * unblock the nodes that wait for them) */
		for (size_t oi = 0; oi < d->nnodes; oi++) {
			dbt_node *n = &d->nodes[d->order[oi]];
			if (!n->selected || w->state[n - d->nodes] == NODE_DONE)
				continue;
			pending = true;
			if (w->state[n - d->nodes] == NODE_WAITING &&
			    (next == NULL || n->kind == DBT_TEST) && inputs_done(w, n)) {
				next = n;
				if (n->kind == DBT_TEST)
					break;
			}
		}
		if (!pending)
			break;
		if (next == NULL) {
			pthread_cond_wait(w->cv, w->mu);
			continue;
		}
		w->state[next - d->nodes] = NODE_RUNNING;
		/* decided once: what its inputs' sizes say now (and starts_early
		 * said) holds for the whole node */
		next->defers = w->queue && dbt_defers_commit(d, next);
		pthread_mutex_unlock(w->mu);
		run_one(w, next);
		pthread_mutex_lock(w->mu);
	}
	pthread_mutex_unlock(w->mu);
	return NULL;
}

static int schedule(floe_dbt *d, floe_dbt_summary *sum, size_t total)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	int threads = dbt_worker_count(d);
	size_t done = 0, remaining = total;
	worker w[17], *cw = NULL; /* the workers, then the committer */
	pthread_t tid[17];
	int64_t kept_bytes = 0, budget = keep_budget();
	int *state = floe_calloc(d->nnodes + 1, sizeof(int));
	commit_queue queue = {floe_calloc(d->nnodes + 1, sizeof(dbt_node *)), 0, 0};
	int rc = 0, started = 0;
	if (state == NULL || queue.items == NULL) {
		floe_free(state);
		floe_free(queue.items);
		return FLOE_ENOMEM;
	}
	count_readers(d, budget > 0);
	for (int i = 0; i <= threads; i++) {
		w[i] = (worker){.d = d,
		                .sum = sum,
		                .total = total,
		                .done_count = &done,
		                .state = state,
		                .remaining = &remaining,
		                .kept_bytes = &kept_bytes,
		                .keep_budget = budget,
		                .mu = &mu,
		                .cv = &cv};
		if (i == 0) {
			w[i].h = d->main;
			continue;
		}
		rc = dbt_worker_open(&w[i].h, d);
		if (rc && i == threads) { /* every node commits on its worker */
			floe_log(FLOE_LOG_DEBUG, "no committer thread: %s", floe_error_message());
			floe_error_clear();
			rc = 0;
			break;
		}
		if (rc) { /* run on the workers we have */
			floe_log(FLOE_LOG_WARN, "running on %d thread%s: %s", i, i == 1 ? "" : "s",
			         floe_error_message());
			floe_error_clear();
			rc = 0;
			threads = i;
			break;
		}
		if (i == threads)
			cw = &w[i];
	}
	/* a table's commit waits on storage, not on a core: the committer
	 * makes it while the workers go on */
	if (cw) {
		cw->queue = &queue;
		if (pthread_create(&tid[threads], NULL, commit_work, cw) != 0) {
			dbt_worker_close(&cw->h);
			cw = NULL;
		}
	}
	for (int i = 0; cw && i < threads; i++)
		w[i].queue = &queue;
	for (int i = 1; i < threads; i++)
		if (pthread_create(&tid[i], NULL, work, &w[i]) == 0)
			started = i;
		else
			break;
	work(&w[0]);
	for (int i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	if (cw) {
		pthread_join(tid[threads], NULL);
		dbt_worker_close(&cw->h);
	}
	for (int i = 1; i < threads; i++)
		dbt_worker_close(&w[i].h);
	floe_free(queue.items);
	floe_free(state);
	pthread_mutex_destroy(&mu);
	pthread_cond_destroy(&cv);
	return rc;
}

/* dbt's closing section: "Completed with N errors, ..." and, per failed
 * or warned node, "Failure in <type> <name> (<path>)" (a test's outcome,
 * or the kind of error: a broken contract is a Compilation Error, as
 * dbt's contract check raises one; anything else a Runtime Error) */
static void print_failures(floe_dbt *d, const floe_dbt_summary *sum)
{
	int errors = 0, warns = 0;
	for (size_t i = 0; i < d->nnodes; i++) {
		errors += d->nodes[i].selected &&
		          (d->nodes[i].status == ST_ERROR || d->nodes[i].status == ST_FAIL);
		warns += d->nodes[i].selected && d->nodes[i].status == ST_WARN;
	}
	(void)sum;
	if (errors == 0 && warns == 0)
		return;
	floe_log(FLOE_LOG_INFO,
	         "Completed with %d error%s, 0 partial successes, and %d warning%s:", errors,
	         errors == 1 ? "" : "s", warns, warns == 1 ? "" : "s");
	for (size_t i = 0; i < d->nnodes; i++) {
		const dbt_node *n = &d->nodes[i];
		const char *type = dbt_kind_name(n->kind), *msg = n->message ? n->message : "";
		if (!n->selected ||
		    (n->status != ST_ERROR && n->status != ST_FAIL && n->status != ST_WARN))
			continue;
		floe_log(FLOE_LOG_INFO, "%s", "");
		floe_log(FLOE_LOG_INFO, "%s in %s %s (%s)",
		         n->status == ST_WARN ? "Warning" : "Failure", type, n->name, n->path);
		if (n->status == ST_ERROR)
			floe_log(FLOE_LOG_INFO, "  %s in %s %s (%s)",
			         strncmp(msg, "contract of ", 12) == 0 ? "Compilation Error"
			                                               : "Runtime Error",
			         type, n->name, n->path);
		floe_log(FLOE_LOG_INFO, "  %s", msg);
	}
	floe_log(FLOE_LOG_INFO, "%s", "");
}

int floe_dbt_execute(floe_dbt *d, const char *command, floe_dbt_summary *sum)
{
	pthread_t closer;
	bool closing;
	size_t total = 0;
	int64_t t0 = floe_time_mono_us();
	int rc;
	memset(sum, 0, sizeof(*sum));
	if (strcmp(command, "ls") == 0)
		return floe_error_set(FLOE_EINVAL, "ls lists nodes with floe_dbt_list");
	if ((rc = dbt_select_nodes(d, command)) != 0 || (rc = dbt_set_command(d, command)) != 0)
		return rc;
	for (size_t i = 0; i < d->nnodes; i++)
		total += d->nodes[i].selected;
	if (strcmp(command, "compile") == 0) {
		/* as dbt compile: introspective queries (star, get_column_values,
		 * run_query) read the warehouse */
		rc = dbt_runtime_open(d, false);
		if (rc == 0)
			rc = floe_table_expose_all(d->main.engine, d->main.catalog, NULL);
		for (size_t oi = 0; rc == 0 && oi < d->nnodes; oi++) {
			dbt_node *n = &d->nodes[d->order[oi]];
			if (n->selected && n->kind == DBT_SEED)
				n->status = ST_PASS; /* nothing to compile */
			if (!n->selected || n->kind == DBT_SEED)
				continue;
			rc = n->kind == DBT_TEST && strcmp(n->test_kind, "singular") != 0
			         ? dbt_test_sql(d, n, &n->compiled)
			         : dbt_render(d, n, false, &n->compiled);
			if (rc == 0)
				rc = dbt_write_compiled(d, n);
			if (rc == 0)
				n->status = ST_PASS;
		}
		/* dbt compile writes the artifacts too */
		if (rc == 0)
			rc = dbt_write_artifacts(d, command,
			                         (double)(floe_time_mono_us() - t0) / 1e6);
		if (rc == 0)
			floe_log(FLOE_LOG_INFO, "Compiled %zu nodes into %s/target/compiled", total,
			         d->dir);
		return rc;
	}
	{
		char *logp = floe_asprintf("%s/logs/dbt.log", d->dir);
		if (logp)
			floe_log_set_file(logp);
		floe_free(logp);
		floe_log(FLOE_LOG_DEBUG, "floe %s in %s", command, d->dir);
	}
	if ((rc = dbt_runtime_open(d, true)) != 0)
		return rc;
	floe_log(FLOE_LOG_INFO, "Running with floe 0.1.0 on project %s, target %s", d->project_name,
	         d->target_name);
	if (json_object_get(d->project, "on-run-start") &&
	    (rc = dbt_run_hooks(&d->main, NULL, json_object_get(d->project, "on-run-start"),
	                        "on-run-start")) != 0)
		return rc;
	if ((rc = transitive_gates(d)) != 0 ||
	    (strcmp(command, "build") == 0 && (rc = build_gates(d)) != 0))
		return rc;
	rc = schedule(d, sum, total);
	if (rc)
		return rc;
	sum->total = (int)total;
	if (json_object_get(d->project, "on-run-end") &&
	    dbt_run_hooks(&d->main, NULL, json_object_get(d->project, "on-run-end"),
	                  "on-run-end") != 0) {
		floe_log(FLOE_LOG_ERROR, "%s", floe_error_message());
		sum->error++;
	}
	/* nothing reads DuckDB or the catalog any more: they close (DuckDB
	 * frees its memory and removes its temporary directory, SQLite
	 * checkpoints its log) while the artifacts are written */
	closing = pthread_create(&closer, NULL, dbt_runtime_close, d) == 0;
	rc = dbt_write_artifacts(d, command, (double)(floe_time_mono_us() - t0) / 1e6);
	if (closing) {
		pthread_join(closer, NULL);
		d->main.engine = NULL;
		d->main.catalog = NULL;
	}
	print_failures(d, sum);
	floe_log(FLOE_LOG_INFO, "Done. PASS=%d WARN=%d ERROR=%d SKIP=%d TOTAL=%d", sum->pass,
	         sum->warn, sum->error, sum->skip, sum->total);
	floe_log_set_file(NULL);
	return rc;
}
