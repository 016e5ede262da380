/*
 * bench_env — the broker under test and this machine's raw ceilings, for `huddle bench`
 * (tools/cmd_bench.c). What it owns and never does: see bench_env.h.
 */
#include <assert.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_env.h"
#include "keyfile.h"
#include "registry.h"
#include "store.h"

#define NS UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define BROKER_WAIT_S 15        /* for the broker's first Welcome; for it to stop on SIGTERM */
#define CEILING_NS (3 * NS / 2) /* each raw ceiling runs this long */
#define CEILING_MAP (UINT64_C(1) << 30)
#define SPARE_AGENTS 4          /* registered beyond the sessions announced, and the probe */
#define AGENT_ORG "A81001"      /* every bench agent is a GP practice: it may publish and read MESSAGE */
#define AGENT_NAME_LEN 24       /* "bench-" and an int, and the NUL */

struct bench_env {
    char dir[PATH_MAX], log[PATH_MAX + 16], endpoint[128], prog[PATH_MAX + 16];
    bool given;           /* the endpoint was given: the broker is not ours */
    bool insecure;        /* our broker runs with --insecure-dev */
    bool verbose;
    pid_t broker;         /* ours, while it runs */
    const volatile sig_atomic_t *interrupted;
    /* CURVE: the broker's public key and, with a given endpoint, the one agent's secret */
    char server_key[KEYFILE_Z85_LEN + 1], secret_key[KEYFILE_Z85_LEN + 1];
    keyfile_pair_t *agents; /* ours, registered as agent_name(i); [0] is the start-up probe's */
    int n_agents;
    atomic_int next_agent;  /* the next one bench_env_client_open hands out */
};

/* ---- progress, time, files ---------------------------------------------------------- */

void bench_env_say(const bench_env_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (self->verbose) {
        fputs("huddle bench: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}

uint64_t bench_env_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

void bench_env_sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / NS), (long)(ns % NS)};
    nanosleep(&ts, NULL);
}

static void rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    DIR *d = S_ISDIR(st.st_mode) ? opendir(path) : NULL;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char child[PATH_MAX + 256];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            (size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) < sizeof child)
            rmtree(child);
    }
    if (d)
        closedir(d);
    if (S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path))
        fprintf(stderr, "huddle: cannot remove %s: %s\n", path, strerror(errno));
}

/* ---- the environment ---------------------------------------------------------------- */

/* given, or huddled beside this program, into out; -1 (said) if it cannot be run. */
static int find_huddled(const char *given, char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = given ? 0 : readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (given)
        snprintf(out, len, "%s", given);
    else
        snprintf(out, len, "%.*s/huddled", slash ? (int)(slash - self) : 1, slash ? self : ".");
    if (access(out, X_OK) == 0)
        return 0;
    fprintf(stderr, "huddle: cannot run the broker %s: %s (build it with make, or give --huddled or --endpoint)\n",
            out, strerror(errno));
    return -1;
}

/* The environment's CURVE keys for a given endpoint into self; -1 (said) without both. */
static int keys_from_environment(bench_env_t *self)
{
    const char *pub = getenv("HUDDLE_SERVER_KEY"), *sec = getenv("HUDDLE_SECRET_KEY");
    if (!pub || strlen(pub) != KEYFILE_Z85_LEN || !sec || strlen(sec) != KEYFILE_Z85_LEN) {
        fprintf(stderr, "huddle: bench: --endpoint needs HUDDLE_SERVER_KEY (the broker's public key) and "
                        "HUDDLE_SECRET_KEY (a registered agent's secret key), 40 Z85 characters each\n");
        return -1;
    }
    memcpy(self->server_key, pub, sizeof self->server_key);
    memcpy(self->secret_key, sec, sizeof self->secret_key);
    return 0;
}

bench_env_t *bench_env_new(const char *endpoint, const char *huddled_path, bool insecure, bool verbose,
                           const volatile sig_atomic_t *interrupted)
{
    bench_env_t *self = calloc(1, sizeof *self);
    if (!self) {
        fprintf(stderr, "huddle: bench: out of memory\n");
        return NULL;
    }
    if (endpoint ? keys_from_environment(self) : find_huddled(huddled_path, self->prog, sizeof self->prog)) {
        free(self);
        return NULL;
    }
    snprintf(self->endpoint, sizeof self->endpoint, "%s", endpoint ? endpoint : "");
    self->given = endpoint != NULL;
    self->insecure = insecure && !endpoint;
    self->verbose = verbose;
    self->interrupted = interrupted;
    const char *tmp = getenv("TMPDIR");
    snprintf(self->dir, sizeof self->dir, "%s/huddle-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(self->dir)) {
        fprintf(stderr, "huddle: cannot create a directory like %s: %s\n", self->dir, strerror(errno));
        keyfile_wipe(self, sizeof *self);
        free(self);
        return NULL;
    }
    return self;
}

void bench_env_destroy(bench_env_t **self_p)
{
    bench_env_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    bench_broker_stop(self);
    rmtree(self->dir);
    if (self->agents)
        keyfile_wipe(self->agents, (size_t)self->n_agents * sizeof *self->agents);
    free(self->agents);
    keyfile_wipe(self, sizeof *self);
    free(self);
    *self_p = NULL;
}

const char *bench_env_endpoint(const bench_env_t *self)
{
    return self->endpoint;
}

static void client_log(void *agent, hd_client_log_level_t level, const char *line)
{
    /* Every session would repeat that the broker runs without CURVE: bench_broker_start says it once. */
    if (level >= HD_CLIENT_LOG_WARN && !strstr(line, "WITHOUT encryption"))
        fprintf(stderr, "huddle bench: %s: %s\n", (const char *)agent, line);
}

/* The registered id of our agent i; out holds AGENT_NAME_LEN bytes. */
static void agent_name(int i, char *out)
{
    snprintf(out, AGENT_NAME_LEN, "bench-%04d", i);
}

/* A session as our agent i (-1: the given endpoint's agent). The client copies the keys. */
static int open_as(const bench_env_t *self, int i, const char *agent, int timeout_ms, hd_client_t **c)
{
    char id[AGENT_NAME_LEN];
    hd_client_config_t cfg;
    hd_client_config_defaults(&cfg);
    cfg.endpoint = self->endpoint;
    cfg.software_name = "huddle-bench";
    cfg.request_timeout_ms = timeout_ms;
    cfg.log = self->verbose ? client_log : NULL; /* NULL: the client stays silent */
    cfg.log_ctx = (void *)(uintptr_t)agent;
    if (self->insecure) { /* no key names the session: Hello claims it, and the broker checks the registry */
        agent_name(i, id);
        cfg.agent_id = id;
    } else { /* agent_id NULL: the broker names the session after the key's agent */
        cfg.server_key = self->server_key;
        cfg.secret_key = i < 0 ? self->secret_key : self->agents[i].sec;
    }
    return hd_client_new(c, &cfg);
}

int bench_env_client_open(bench_env_t *self, const char *agent, int timeout_ms, hd_client_t **c)
{
    if (self->given)
        return open_as(self, -1, agent, timeout_ms, c);
    int i = atomic_fetch_add(&self->next_agent, 1);
    if (i >= self->n_agents) {
        *c = NULL;
        fprintf(stderr, "huddle: bench: %s: all %d registered bench agents are taken\n", agent, self->n_agents - 1);
        return HD_CLIENT_EINVAL;
    }
    return open_as(self, i, agent, timeout_ms, c);
}

/* ---- raw ceilings ------------------------------------------------------------------- */

/* Puts of `size` bytes under increasing keys (MDB_APPEND, as the store appends to its
 * log), per_commit of them per write transaction, in an environment with LMDB's default
 * flags: every commit is synced to the device. */
static int lmdb_ceiling(const bench_env_t *self, const char *dir, size_t size, int per_commit, double *rate)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi = 0;
    uint8_t *val = calloc(1, size);
    int rc = !val ? ENOMEM : mkdir(dir, 0700) ? errno : mdb_env_create(&env);
    if (!rc && !(rc = mdb_env_set_mapsize(env, CEILING_MAP)) && !(rc = mdb_env_open(env, dir, 0, 0600)) &&
        !(rc = mdb_txn_begin(env, NULL, 0, &txn)))
        rc = (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
    uint64_t n = 0, t0 = bench_env_now_ns(), t = t0;
    for (; !rc && t - t0 < CEILING_NS && !*self->interrupted; t = bench_env_now_ns()) {
        rc = mdb_txn_begin(env, NULL, 0, &txn);
        for (int k = 0; !rc && k < per_commit; k++) {
            uint64_t key = htobe64(n + (uint64_t)k);
            MDB_val kv = {sizeof key, &key}, vv = {size, val};
            rc = mdb_put(txn, dbi, &kv, &vv, MDB_APPEND);
        }
        rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
        n += rc ? 0 : (uint64_t)per_commit;
    }
    if (rc == MDB_MAP_FULL && n) /* a shorter run still gives the rate */
        rc = 0;
    if (rc)
        fprintf(stderr, "huddle: LMDB in %s: %s\n", dir, mdb_strerror(rc));
    *rate = t > t0 ? (double)n / ((double)(t - t0) / 1e9) : 0;
    if (env)
        mdb_env_close(env);
    free(val);
    rmtree(dir);
    return rc || *self->interrupted ? -1 : 0;
}

typedef struct {
    void *ctx;
    char endpoint[64];
    size_t size;
    atomic_bool stop;
} zmq_sender_t;

static bool zmq_opts(void *s, int linger, int opt, int v)
{
    return s && !zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) && !zmq_setsockopt(s, opt, &v, sizeof v);
}

static void *zmq_sender(void *arg)
{
    zmq_sender_t *z = arg;
    void *s = zmq_socket(z->ctx, ZMQ_PUSH), *buf = calloc(1, z->size);
    if (buf && zmq_opts(s, 0, ZMQ_SNDTIMEO, 100) && !zmq_connect(s, z->endpoint))
        while (!atomic_load(&z->stop) && (zmq_send(s, buf, z->size, 0) >= 0 || errno == EAGAIN || errno == EINTR))
            ;
    if (s)
        zmq_close(s);
    free(buf);
    return NULL;
}

/* PUSH -> PULL over tcp://127.0.0.1, one direction, counted at the receiver. */
static int zmq_ceiling(const bench_env_t *self, size_t size, double *rate)
{
    zmq_sender_t z = {.ctx = zmq_ctx_new(), .size = size};
    void *pull = z.ctx ? zmq_socket(z.ctx, ZMQ_PULL) : NULL, *buf = malloc(size);
    size_t len = sizeof z.endpoint;
    pthread_t sender;
    int rc = -1;
    bool started = buf && zmq_opts(pull, 0, ZMQ_RCVTIMEO, 2000) && !zmq_bind(pull, "tcp://127.0.0.1:*") &&
                   !zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, z.endpoint, &len) &&
                   !pthread_create(&sender, NULL, zmq_sender, &z);
    if (started && zmq_recv(pull, buf, size, 0) >= 0) { /* timed from the first message */
        uint64_t n = 0, t0 = bench_env_now_ns(), t = t0;
        while (t - t0 < CEILING_NS && !*self->interrupted && zmq_recv(pull, buf, size, 0) >= 0)
            if ((++n & 255) == 0)
                t = bench_env_now_ns();
        *rate = (double)n / ((double)(bench_env_now_ns() - t0) / 1e9);
        rc = *self->interrupted ? -1 : 0;
    }
    if (rc)
        fprintf(stderr, "huddle: ZeroMQ loopback: %s\n", zmq_strerror(errno));
    atomic_store(&z.stop, true);
    if (pull)
        zmq_close(pull);
    if (started)
        pthread_join(sender, NULL);
    if (z.ctx)
        zmq_ctx_term(z.ctx);
    free(buf);
    return rc;
}

int bench_ceilings_measure(const bench_env_t *self, size_t size, bench_ceilings_t *c)
{
    char commits[PATH_MAX + 16], batched[PATH_MAX + 16];
    snprintf(commits, sizeof commits, "%s/lmdb-commits", self->dir);
    snprintf(batched, sizeof batched, "%s/lmdb-batched", self->dir);
    if (lmdb_ceiling(self, commits, size, 1, &c->fsync_commits) ||
        lmdb_ceiling(self, batched, size, 100, &c->batched_puts) || zmq_ceiling(self, size, &c->zmq_msgs))
        return -1;
    bench_env_say(self, "ceilings: %.0f fsync'd commits/s, %.0f puts/s 100 a commit, %.0f ZeroMQ messages/s",
                  c->fsync_commits, c->batched_puts, c->zmq_msgs);
    return 0;
}

/* ---- the broker --------------------------------------------------------------------- */

/* pid when it has exited (status in *st), 0 while it runs, -1 on error. */
static pid_t reap(pid_t pid, int *st)
{
    pid_t got;
    while ((got = waitpid(pid, st, WNOHANG)) < 0 && errno == EINTR)
        ;
    return got;
}

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof a) && !getsockname(fd, (struct sockaddr *)&a, &len))
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* n agents, each a GP practice with a fresh keypair, registered in the new store at path
 * in one batch; -1 (said) if not. */
static int seed_registry(bench_env_t *self, const char *path, int n)
{
    store_config_t sc;
    store_config_defaults(&sc);
    sc.path = path;
    store_t *store = NULL;
    store_txn_t *txn = NULL;
    reject_t r;
    char why[512] = "", id[AGENT_NAME_LEN];
    int rc = (self->agents = calloc((size_t)n, sizeof *self->agents)) ? STORE_OK : STORE_ENOMEM;
    self->n_agents = self->agents ? n : 0;
    if (!rc && !(rc = store_open(&store, &sc, why, sizeof why)))
        rc = store_batch_begin(store, &txn);
    int64_t now = wall_ms();
    for (int i = 0; i < n && !rc; i++) {
        Huddle__AgentAdd a = HUDDLE__AGENT_ADD__INIT;
        agent_name(i, id);
        if (keyfile_pair_new(&self->agents[i])) {
            snprintf(why, sizeof why, "no keypair for %s", id);
            goto done;
        }
        a.agent_id = id;
        a.role = HUDDLE__ROLE__ROLE_GP_PRACTICE;
        a.org_ods = (char *)AGENT_ORG;
        a.display_name = id;
        a.curve_public_key.data = self->agents[i].raw;
        a.curve_public_key.len = sizeof self->agents[i].raw;
        if (registry_agent_add(txn, &a, now, &r)) {
            snprintf(why, sizeof why, "%s: %s %s", id, r.field, r.reason);
            goto done;
        }
    }
    if (!rc && !(rc = store_batch_commit(&txn))) {
        store_close(&store);
        return 0;
    }
done:
    fprintf(stderr, "huddle: cannot register the bench agents in %s: %s\n", path, why[0] ? why : store_strerror(rc));
    store_txn_end(&txn);
    store_close(&store);
    return -1;
}

/* The broker's keypair in keys/ beside the store, where huddled looks; its public key
 * into self. -1 (said) if not. */
static int write_broker_key(bench_env_t *self)
{
    char keys[PATH_MAX + 8], prefix[PATH_MAX + 16];
    keyfile_pair_t kp;
    snprintf(keys, sizeof keys, "%s/keys", self->dir);
    snprintf(prefix, sizeof prefix, "%s/broker", keys);
    int rc = keyfile_mkdirs(keys);
    if (rc)
        fprintf(stderr, "huddle: cannot create %s: %s\n", keys, strerror(errno));
    else if (!(rc = keyfile_pair_new(&kp)) && !(rc = keyfile_pair_write(prefix, &kp)))
        memcpy(self->server_key, kp.pub, sizeof self->server_key);
    keyfile_wipe(&kp, sizeof kp);
    return rc ? -1 : 0;
}

/* Another process may take the free port first: then the broker exits at once and is
 * tried on another. */
int bench_broker_start(bench_env_t *self, int sessions)
{
    const char *prog = self->prog;
    char store[PATH_MAX + 8];
    assert(!self->given && !self->agents && sessions >= 0);
    snprintf(store, sizeof store, "%s/store", self->dir);
    snprintf(self->log, sizeof self->log, "%s/huddled.log", self->dir);
    if (seed_registry(self, store, 1 + sessions + SPARE_AGENTS) || (!self->insecure && write_broker_key(self)))
        return -1;
    atomic_store(&self->next_agent, 1); /* 0 is the probe's, below */
    bench_env_say(self, "%d agents registered in %s%s", self->n_agents, store,
                  self->insecure ? "" : ", the broker's keypair in keys/");
    for (int attempt = 0; attempt < 3 && !self->broker && !*self->interrupted; attempt++) {
        int port = free_port(), st;
        snprintf(self->endpoint, sizeof self->endpoint, "tcp://127.0.0.1:%d", port);
        pid_t parent = getpid(), pid = port > 0 ? fork() : -1;
        if (pid < 0) {
            fprintf(stderr, "huddle: cannot start the broker: %s\n", strerror(errno));
            return -1;
        }
        if (pid == 0) { /* only async-signal-safe calls until exec */
            prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the bench, even a killed one */
            int in = open("/dev/null", O_RDONLY), out = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (getppid() != parent || in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                _exit(127);
            execl(prog, "huddled", "--store", store, "--endpoint", self->endpoint, "--log-level", "warn",
                  self->insecure ? "--insecure-dev" : (char *)NULL, (char *)NULL);
            _exit(127);
        }
        self->broker = pid;
        uint64_t deadline = bench_env_now_ns() + BROKER_WAIT_S * NS;
        while (bench_env_now_ns() < deadline && !*self->interrupted) {
            hd_client_t *c = NULL;
            if (reap(pid, &st) == pid) {
                self->broker = 0;
                break;
            }
            if (open_as(self, 0, "bench-probe", 200, &c) == HD_CLIENT_OK) {
                bench_env_say(self, "broker %d serving %s on %s%s", (int)pid, self->endpoint, store,
                              hd_client_welcome(c)->insecure ? ", without encryption" : "");
                hd_client_destroy(&c);
                return 0;
            }
        }
    }
    fprintf(stderr, "huddle: the broker %s did not start%s\n", prog, self->broker ? " in time" : "");
    return -1; /* the caller stops it and shows its log */
}

bool bench_broker_gone(bench_env_t *self)
{
    int st;
    if (self->broker <= 0 || reap(self->broker, &st) != self->broker)
        return false;
    self->broker = 0;
    fprintf(stderr, "huddle: the broker exited during the run (%s %d)\n", WIFSIGNALED(st) ? "signal" : "status",
            WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return true;
}

/* RssAnon is the resident memory but the store's mapped file pages. */
bool bench_broker_memory(const bench_env_t *self, long kb[3])
{
    static const char *const keys[3] = {"VmRSS:", "RssAnon:", "RssFile:"};
    char path[64], line[256];
    int found = 0;
    if (self->broker <= 0)
        return false;
    snprintf(path, sizeof path, "/proc/%d/status", (int)self->broker);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        for (int k = 0; k < 3; k++)
            if (!strncmp(line, keys[k], strlen(keys[k])) && ++found)
                kb[k] = strtol(line + strlen(keys[k]), NULL, 10);
    if (f)
        fclose(f);
    return found == 3;
}

int bench_broker_stop(bench_env_t *self)
{
    pid_t pid = self ? self->broker : 0, got = 0;
    int st = 0;
    if (pid <= 0)
        return 0;
    self->broker = 0;
    kill(pid, SIGTERM);
    uint64_t deadline = bench_env_now_ns() + BROKER_WAIT_S * NS;
    while ((got = reap(pid, &st)) == 0 && bench_env_now_ns() < deadline)
        bench_env_sleep_ns(10 * MS);
    if (got == 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        fprintf(stderr, "huddle: the broker did not stop within %d s of SIGTERM: killed\n", BROKER_WAIT_S);
        return -1;
    }
    if (got == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    fprintf(stderr, "huddle: the broker stopped badly on SIGTERM (%s %d)\n", WIFSIGNALED(st) ? "signal" : "status",
            WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return -1;
}

void bench_broker_show_log(const bench_env_t *self)
{
    char buf[2048];
    FILE *f = self && self->log[0] ? fopen(self->log, "r") : NULL;
    if (f && fseek(f, -(long)(sizeof buf - 1), SEEK_END) != 0)
        rewind(f);
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    if (n)
        fprintf(stderr, "huddle: the broker's log ends:\n%s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
}
