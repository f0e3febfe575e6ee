// edgeward's live capture addon: libpcap read on a thread of its own into a single-producer /
// single-consumer byte ring, drained by JavaScript in batches. Plain C over Node-API (version 8).
//
// Why a thread and a ring: a frame per N-API call on the main thread (what `cap` did) loses
// packets whenever the event loop pauses (GC, a slow plug-in, a sweep), because the kernel buffer
// then fills. Here the capture thread keeps reading the kernel's TPACKET_V3 blocks whatever
// JavaScript does; JavaScript copies whole records out of the ring, many at a time. When the ring
// is full a record is dropped and counted (ringDropped): the capture thread never waits.
//
// Record layout in the ring and in the buffer read() fills (host byte order, 8-byte aligned):
//   u32 capLen | u32 origLen | f64 tsMicros | capLen bytes | padding to a multiple of 8
// A u32 0xffffffff where a record would start means "the rest of the ring is unused, go to 0".
//
// pcap_stats() is called only on the capture thread (and after it ended, at close): on Linux it
// reads and resets the kernel's counters, so a concurrent call would race pcap_dispatch().
#define _GNU_SOURCE
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/** Bytes before a record's frame: capLen, origLen, tsMicros. */
#define REC_HDR 16u
/** Marks the unused end of the ring. */
#define WRAP_MARK 0xffffffffu
/** How often the capture thread refreshes pcap_stats(), ns. */
#define STATS_EVERY_NS 100000000LL
/** Smallest ring accepted, bytes. */
#define MIN_RING_BYTES 65536u

typedef struct cap_handle {
  pcap_t *p;
  uint8_t *ring;
  uint64_t ring_size;
  /** Bytes ever written (producer) and consumed (consumer); the ring offset is pos % ring_size. */
  _Atomic uint64_t head;
  _Atomic uint64_t tail;
  /** JavaScript found the ring empty and waits for a call of onReadable. */
  _Atomic int waiting;
  _Atomic int stop;
  /** The capture thread has returned (closed, or a pcap error: see error). */
  _Atomic int ended;
  /** Written by the capture thread only; read by stats(). */
  _Atomic uint64_t received, kernel_dropped, if_dropped, ring_dropped, captured, captured_bytes;
  /** Capture-thread-local copies and the last raw (32-bit, wrapping) pcap_stats values. */
  uint64_t l_head, l_ring_dropped, l_captured, l_captured_bytes;
  uint64_t acc_recv, acc_drop, acc_ifdrop;
  unsigned int raw_recv, raw_drop, raw_ifdrop;
  /** Set by the capture thread before `ended`. */
  char error[PCAP_ERRBUF_SIZE + 64];
  int sel_fd;
  int wake_rd, wake_wr;
  pthread_t thread;
  int thread_started;
  napi_threadsafe_function tsfn;
  napi_env env;
  int hook_added;
  int closed;
  struct cap_handle *next;
} cap_handle;

static const napi_type_tag HANDLE_TAG = {0x6564676577617264ULL, 0x7063617068616e64ULL};

/** Handles whose thread runs, for the atexit stop (process.exit() runs no env cleanup hooks). */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static cap_handle *g_open = NULL;
static pthread_once_t g_atexit_once = PTHREAD_ONCE_INIT;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline uint64_t pad8(uint64_t n) { return (n + 7u) & ~(uint64_t)7u; }

// ---- capture thread ------------------------------------------------------------------------

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes) {
  cap_handle *h = (cap_handle *)user;
  const uint32_t cap_len = hdr->caplen;
  const uint64_t rec = REC_HDR + pad8(cap_len);
  const uint64_t size = h->ring_size;
  uint64_t head = h->l_head;
  const uint64_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);
  uint64_t off = head % size;
  const uint64_t to_end = size - off;
  const uint64_t need = rec <= to_end ? rec : to_end + rec;
  if (rec > size || (head - tail) + need > size) {
    h->l_ring_dropped++;
    return;
  }
  if (rec > to_end) {
    // to_end is a multiple of 8, so the marker fits.
    *(uint32_t *)(h->ring + off) = WRAP_MARK;
    head += to_end;
    off = 0;
  }
  uint8_t *r = h->ring + off;
  const uint32_t orig_len = hdr->len;
  const double ts = (double)hdr->ts.tv_sec * 1e6 + (double)hdr->ts.tv_usec;
  memcpy(r, &cap_len, 4);
  memcpy(r + 4, &orig_len, 4);
  memcpy(r + 8, &ts, 8);
  memcpy(r + REC_HDR, bytes, cap_len);
  head += rec;
  h->l_head = head;
  h->l_captured++;
  h->l_captured_bytes += cap_len;
  atomic_store_explicit(&h->head, head, memory_order_release);
}

static void publish_counters(cap_handle *h) {
  atomic_store_explicit(&h->ring_dropped, h->l_ring_dropped, memory_order_relaxed);
  atomic_store_explicit(&h->captured, h->l_captured, memory_order_relaxed);
  atomic_store_explicit(&h->captured_bytes, h->l_captured_bytes, memory_order_relaxed);
}

/** pcap_stats() into 64-bit totals (libpcap's counters are 32-bit and wrap). Not concurrent with dispatch. */
static void refresh_stats(cap_handle *h) {
  struct pcap_stat ps;
  if (h->p == NULL || pcap_stats(h->p, &ps) != 0) return;
  h->acc_recv += (unsigned int)(ps.ps_recv - h->raw_recv);
  h->acc_drop += (unsigned int)(ps.ps_drop - h->raw_drop);
  h->acc_ifdrop += (unsigned int)(ps.ps_ifdrop - h->raw_ifdrop);
  h->raw_recv = ps.ps_recv;
  h->raw_drop = ps.ps_drop;
  h->raw_ifdrop = ps.ps_ifdrop;
  atomic_store_explicit(&h->received, h->acc_recv, memory_order_relaxed);
  atomic_store_explicit(&h->kernel_dropped, h->acc_drop, memory_order_relaxed);
  atomic_store_explicit(&h->if_dropped, h->acc_ifdrop, memory_order_relaxed);
}

/** Calls onReadable once if JavaScript waits and there is something to read or the thread ended. */
static void notify(cap_handle *h, int force) {
  if (!atomic_load_explicit(&h->waiting, memory_order_acquire)) return;
  if (!force && atomic_load_explicit(&h->head, memory_order_relaxed) == atomic_load_explicit(&h->tail, memory_order_relaxed)) return;
  if (atomic_exchange_explicit(&h->waiting, 0, memory_order_acq_rel)) {
    napi_call_threadsafe_function(h->tsfn, NULL, napi_tsfn_nonblocking);
  }
}

static void *capture_main(void *arg) {
  cap_handle *h = (cap_handle *)arg;
  int64_t next_stats = now_ns() + STATS_EVERY_NS;
  while (!atomic_load_explicit(&h->stop, memory_order_acquire)) {
    int64_t wait_ms = (next_stats - now_ns()) / 1000000LL;
    if (wait_ms < 0) wait_ms = 0;
    if (h->sel_fd >= 0) {
      struct pollfd fds[2] = {{.fd = h->sel_fd, .events = POLLIN}, {.fd = h->wake_rd, .events = POLLIN}};
      if (poll(fds, 2, (int)wait_ms) < 0 && errno != EINTR) {
        snprintf(h->error, sizeof h->error, "poll: %s", strerror(errno));
        break;
      }
      if (atomic_load_explicit(&h->stop, memory_order_acquire)) break;
    } else {
      // No selectable descriptor on this platform: poll the non-blocking handle every ms.
      struct timespec ms = {0, 1000000L};
      nanosleep(&ms, NULL);
    }
    int n = pcap_dispatch(h->p, -1, on_packet, (u_char *)h);
    publish_counters(h);
    if (n == PCAP_ERROR) {
      snprintf(h->error, sizeof h->error, "%s", pcap_geterr(h->p));
      break;
    }
    notify(h, 0);
    if (now_ns() >= next_stats) {
      refresh_stats(h);
      next_stats = now_ns() + STATS_EVERY_NS;
    }
  }
  publish_counters(h);
  atomic_store_explicit(&h->ended, 1, memory_order_release);
  notify(h, 1);
  return NULL;
}

/** Stops and joins the capture thread; safe to call twice. Touches no JavaScript state. */
static void stop_thread(cap_handle *h) {
  pthread_mutex_lock(&g_lock);
  if (h->thread_started) {
    atomic_store_explicit(&h->stop, 1, memory_order_release);
    if (h->p != NULL) pcap_breakloop(h->p);
    if (h->wake_wr >= 0) {
      ssize_t w = write(h->wake_wr, "x", 1);
      (void)w;
    }
    pthread_join(h->thread, NULL);
    h->thread_started = 0;
  }
  for (cap_handle **pp = &g_open; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == h) {
      *pp = h->next;
      break;
    }
  }
  pthread_mutex_unlock(&g_lock);
}

static void stop_all_at_exit(void) {
  pthread_mutex_lock(&g_lock);
  cap_handle *list = g_open;
  g_open = NULL;
  pthread_mutex_unlock(&g_lock);
  for (cap_handle *h = list; h != NULL; h = h->next) {
    if (!h->thread_started) continue;
    atomic_store_explicit(&h->stop, 1, memory_order_release);
    if (h->wake_wr >= 0) {
      ssize_t w = write(h->wake_wr, "x", 1);
      (void)w;
    }
    pthread_join(h->thread, NULL);
    h->thread_started = 0;
  }
}

static void register_atexit(void) { atexit(stop_all_at_exit); }

// ---- closing -------------------------------------------------------------------------------

static void env_cleanup(void *arg);

/** Releases everything but the struct itself. Idempotent. `from_hook`: called by the env cleanup hook. */
static void close_handle(cap_handle *h, int from_hook) {
  if (h->closed) return;
  h->closed = 1;
  stop_thread(h);
  if (h->p != NULL) {
    if (!atomic_load(&h->ended)) atomic_store(&h->ended, 1);
    refresh_stats(h); // the thread is gone: last counters, no race with pcap_dispatch
    pcap_close(h->p);
    h->p = NULL;
  }
  if (h->tsfn != NULL) {
    napi_release_threadsafe_function(h->tsfn, napi_tsfn_abort);
    h->tsfn = NULL;
  }
  if (h->hook_added && !from_hook) napi_remove_env_cleanup_hook(h->env, env_cleanup, h);
  h->hook_added = 0;
  free(h->ring);
  h->ring = NULL;
  if (h->wake_rd >= 0) close(h->wake_rd);
  if (h->wake_wr >= 0) close(h->wake_wr);
  h->wake_rd = h->wake_wr = -1;
  // Nothing is left to read: read() answers -1 from now on.
  atomic_store(&h->tail, atomic_load(&h->head));
}

static void env_cleanup(void *arg) { close_handle((cap_handle *)arg, 1); }

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  cap_handle *h = (cap_handle *)data;
  close_handle(h, 0);
  free(h);
}

// ---- helpers for arguments -----------------------------------------------------------------

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      throw_last(env, #call);                                         \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static void throw_last(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  char msg[256];
  snprintf(msg, sizeof msg, "edgeward_pcap: %s failed: %s", what, info && info->error_message ? info->error_message : "unknown");
  napi_throw_error(env, NULL, msg);
}

static napi_value throw_msg(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static int get_prop(napi_env env, napi_value obj, const char *name, napi_value *out, napi_valuetype *type) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  if (napi_get_named_property(env, obj, name, out) != napi_ok) return 0;
  napi_typeof(env, *out, type);
  return *type != napi_undefined;
}

static int opt_int(napi_env env, napi_value opts, const char *name, int64_t def, int64_t *out) {
  napi_value v;
  napi_valuetype t;
  *out = def;
  if (!get_prop(env, opts, name, &v, &t)) return 1;
  if (t != napi_number) return 0;
  return napi_get_value_int64(env, v, out) == napi_ok;
}

static int opt_bool(napi_env env, napi_value opts, const char *name, bool def, bool *out) {
  napi_value v;
  napi_valuetype t;
  *out = def;
  if (!get_prop(env, opts, name, &v, &t)) return 1;
  if (t != napi_boolean) return 0;
  return napi_get_value_bool(env, v, out) == napi_ok;
}

/** A malloc'd UTF-8 copy of a JS string, or NULL. */
static char *get_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s == NULL) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static cap_handle *get_handle(napi_env env, napi_value v) {
  bool ok = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, v, &HANDLE_TAG, &ok) != napi_ok || !ok || napi_get_value_external(env, v, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "edgeward_pcap: not a capture handle");
    return NULL;
  }
  return (cap_handle *)data;
}

/**
 * The arguments of a call on a handle: at least `want` of them into argv, the first a capture
 * handle. NULL with a JavaScript exception pending (naming `usage`) otherwise.
 */
static cap_handle *handle_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *usage) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    throw_last(env, "napi_get_cb_info");
    return NULL;
  }
  if (argc < want) {
    throw_msg(env, NULL, usage);
    return NULL;
  }
  return get_handle(env, argv[0]);
}

static const char *status_code(int st) {
  switch (st) {
    case PCAP_ERROR_NO_SUCH_DEVICE: return "PCAP_ERROR_NO_SUCH_DEVICE";
    case PCAP_ERROR_PERM_DENIED: return "PCAP_ERROR_PERM_DENIED";
    case PCAP_ERROR_PROMISC_PERM_DENIED: return "PCAP_ERROR_PROMISC_PERM_DENIED";
    case PCAP_ERROR_IFACE_NOT_UP: return "PCAP_ERROR_IFACE_NOT_UP";
    case PCAP_ERROR_RFMON_NOTSUP: return "PCAP_ERROR_RFMON_NOTSUP";
    case PCAP_ERROR_ACTIVATED: return "PCAP_ERROR_ACTIVATED";
    default: return "PCAP_ERROR";
  }
}

// ---- exported functions --------------------------------------------------------------------

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)context;
  (void)data;
  if (env == NULL || js_cb == NULL) return;
  napi_value undef;
  napi_get_undefined(env, &undef);
  napi_call_function(env, undef, js_cb, 0, NULL, NULL);
}

/** Frees what open() made before it failed. */
static void open_failed(cap_handle *h) {
  if (h->p != NULL) pcap_close(h->p);
  free(h->ring);
  if (h->wake_rd >= 0) close(h->wake_rd);
  if (h->wake_wr >= 0) close(h->wake_wr);
  free(h);
}

/**
 * open(device, { snaplen, promiscuous, bufferSize, timeoutMs, immediate, filter, ringBytes,
 * onReadable }) → { handle, dlt, dltName, warnings }.
 */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t0 = napi_undefined, t1 = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t0);
  if (argc >= 2) napi_typeof(env, argv[1], &t1);
  if (t0 != napi_string || t1 != napi_object) {
    napi_throw_type_error(env, NULL, "edgeward_pcap.open(device: string, options: object)");
    return NULL;
  }
  int64_t snaplen, buffer_size, timeout_ms, ring_bytes;
  bool promisc, immediate;
  if (!opt_int(env, argv[1], "snaplen", 65535, &snaplen) || !opt_int(env, argv[1], "bufferSize", 32 << 20, &buffer_size) ||
      !opt_int(env, argv[1], "timeoutMs", 10, &timeout_ms) || !opt_int(env, argv[1], "ringBytes", 64 << 20, &ring_bytes) ||
      !opt_bool(env, argv[1], "promiscuous", true, &promisc) || !opt_bool(env, argv[1], "immediate", false, &immediate)) {
    napi_throw_type_error(env, NULL, "edgeward_pcap.open: snaplen, bufferSize, timeoutMs, ringBytes must be numbers; promiscuous, immediate booleans");
    return NULL;
  }
  if (snaplen < 1 || snaplen > 262144 || buffer_size < 1 || buffer_size > 0x7fffffff || timeout_ms < 0 || timeout_ms > 0x7fffffff ||
      ring_bytes < (int64_t)MIN_RING_BYTES) {
    napi_throw_range_error(env, NULL, "edgeward_pcap.open: snaplen 1..262144, bufferSize 1..2^31-1, timeoutMs >= 0, ringBytes >= 65536");
    return NULL;
  }
  napi_value on_readable;
  napi_valuetype ft;
  if (!get_prop(env, argv[1], "onReadable", &on_readable, &ft) || ft != napi_function) {
    napi_throw_type_error(env, NULL, "edgeward_pcap.open: options.onReadable must be a function");
    return NULL;
  }
  char *filter = NULL;
  napi_value fv;
  napi_valuetype fvt;
  if (get_prop(env, argv[1], "filter", &fv, &fvt)) {
    if (fvt != napi_string) {
      napi_throw_type_error(env, NULL, "edgeward_pcap.open: options.filter must be a string");
      return NULL;
    }
    filter = get_string(env, fv);
  }
  char *device = get_string(env, argv[0]);
  cap_handle *h = calloc(1, sizeof *h);
  if (device == NULL || h == NULL) {
    free(device);
    free(filter);
    free(h);
    return throw_msg(env, "ENOMEM", "edgeward_pcap.open: out of memory");
  }
  h->sel_fd = h->wake_rd = h->wake_wr = -1;
  h->env = env;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  char msg[PCAP_ERRBUF_SIZE + 512];
  napi_value warnings;
  napi_create_array(env, &warnings);
  uint32_t nwarn = 0;

  h->p = pcap_create(device, errbuf);
  if (h->p == NULL) {
    snprintf(msg, sizeof msg, "%s: %s", device, errbuf);
    goto fail_pcap;
  }
  pcap_set_snaplen(h->p, (int)snaplen);
  pcap_set_promisc(h->p, promisc ? 1 : 0);
  pcap_set_timeout(h->p, (int)timeout_ms);
  pcap_set_buffer_size(h->p, (int)buffer_size);
  pcap_set_immediate_mode(h->p, immediate ? 1 : 0);
  int st = pcap_activate(h->p);
  if (st < 0) {
    const char *e = pcap_geterr(h->p);
    if (e != NULL && e[0] != '\0') snprintf(msg, sizeof msg, "%s: %s (%s)", device, e, pcap_statustostr(st));
    else snprintf(msg, sizeof msg, "%s: %s", device, pcap_statustostr(st));
    free(device);
    free(filter);
    open_failed(h);
    return throw_msg(env, status_code(st), msg);
  }
  if (st > 0) {
    const char *e = pcap_geterr(h->p);
    if (e != NULL && e[0] != '\0') snprintf(msg, sizeof msg, "%s: %s (%s)", device, pcap_statustostr(st), e);
    else snprintf(msg, sizeof msg, "%s: %s", device, pcap_statustostr(st));
    napi_value w;
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &w);
    napi_set_element(env, warnings, nwarn++, w);
  }
  if (filter != NULL && filter[0] != '\0') {
    bpf_u_int32 net = 0, mask = 0;
    if (pcap_lookupnet(device, &net, &mask, errbuf) < 0) mask = PCAP_NETMASK_UNKNOWN;
    struct bpf_program prog;
    if (pcap_compile(h->p, &prog, filter, 1, mask) < 0) {
      snprintf(msg, sizeof msg, "%s: bad filter '%s': %s", device, filter, pcap_geterr(h->p));
      goto fail_pcap;
    }
    int set = pcap_setfilter(h->p, &prog);
    pcap_freecode(&prog);
    if (set < 0) {
      snprintf(msg, sizeof msg, "%s: pcap_setfilter: %s", device, pcap_geterr(h->p));
      goto fail_pcap;
    }
  }
  if (pcap_setnonblock(h->p, 1, errbuf) < 0) {
    snprintf(msg, sizeof msg, "%s: pcap_setnonblock: %s", device, errbuf);
    goto fail_pcap;
  }
  // The kernel counted every frame that came before the filter was in place (libpcap filters those
  // out itself): the counters start from here.
  refresh_stats(h);
  h->acc_recv = h->acc_drop = h->acc_ifdrop = 0;
  atomic_store(&h->received, 0);
  atomic_store(&h->kernel_dropped, 0);
  atomic_store(&h->if_dropped, 0);
  h->sel_fd = pcap_get_selectable_fd(h->p);
  int dlt = pcap_datalink(h->p);
  const char *dlt_name = pcap_datalink_val_to_name(dlt);

  h->ring_size = (uint64_t)ring_bytes & ~(uint64_t)7u;
  h->ring = malloc(h->ring_size);
  if (h->ring == NULL) {
    snprintf(msg, sizeof msg, "%s: cannot allocate a ring of %lld bytes", device, (long long)ring_bytes);
    goto fail_pcap;
  }
  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(msg, sizeof msg, "%s: pipe: %s", device, strerror(errno));
    goto fail_pcap;
  }
  h->wake_rd = fds[0];
  h->wake_wr = fds[1];
  for (int i = 0; i < 2; i++) {
    fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
    fcntl(fds[i], F_SETFD, FD_CLOEXEC);
  }

  napi_value resource_name;
  napi_create_string_utf8(env, "edgeward_pcap", NAPI_AUTO_LENGTH, &resource_name);
  if (napi_create_threadsafe_function(env, on_readable, NULL, resource_name, 0, 1, NULL, NULL, NULL, call_js, &h->tsfn) != napi_ok) {
    snprintf(msg, sizeof msg, "%s: napi_create_threadsafe_function failed", device);
    goto fail_pcap;
  }
  napi_value ext;
  if (napi_create_external(env, h, finalize_handle, NULL, &ext) != napi_ok) {
    napi_release_threadsafe_function(h->tsfn, napi_tsfn_abort);
    snprintf(msg, sizeof msg, "%s: napi_create_external failed", device);
    goto fail_pcap;
  }
  // From here on the finalizer owns h: errors go through close_handle.
  napi_type_tag_object(env, ext, &HANDLE_TAG);
  if (napi_add_env_cleanup_hook(env, env_cleanup, h) == napi_ok) h->hook_added = 1;
  pthread_once(&g_atexit_once, register_atexit);

  // The capture thread takes no signals: they belong to Node's main thread.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_mutex_lock(&g_lock);
  int rc = pthread_create(&h->thread, NULL, capture_main, h);
  if (rc == 0) {
    h->thread_started = 1;
    h->next = g_open;
    g_open = h;
  }
  pthread_mutex_unlock(&g_lock);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    close_handle(h, 0);
    snprintf(msg, sizeof msg, "%s: pthread_create: %s", device, strerror(rc));
    free(device);
    free(filter);
    return throw_msg(env, "PCAP_ERROR", msg);
  }
  free(device);
  free(filter);

  napi_value out, v;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "handle", ext);
  napi_create_int32(env, dlt, &v);
  napi_set_named_property(env, out, "dlt", v);
  if (dlt_name != NULL) napi_create_string_utf8(env, dlt_name, NAPI_AUTO_LENGTH, &v);
  else {
    char name[32];
    snprintf(name, sizeof name, "DLT_%d", dlt);
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v);
  }
  napi_set_named_property(env, out, "dltName", v);
  napi_set_named_property(env, out, "warnings", warnings);
  return out;

fail_pcap:
  free(device);
  free(filter);
  open_failed(h);
  return throw_msg(env, "PCAP_ERROR", msg);
}

/** read(handle, target) → bytes of whole records copied into target; 0 when empty; -1 once the capture ended and all was read. */
static napi_value js_read(napi_env env, napi_callback_info info) {
  napi_value argv[2], out;
  cap_handle *h = handle_args(env, info, 2, argv, "edgeward_pcap.read(handle, target)");
  if (h == NULL) return NULL;
  uint8_t *dst = NULL;
  size_t cap = 0;
  bool is_buf = false;
  napi_is_buffer(env, argv[1], &is_buf);
  if (!is_buf || napi_get_buffer_info(env, argv[1], (void **)&dst, &cap) != napi_ok) {
    napi_throw_type_error(env, NULL, "edgeward_pcap.read: target must be a Buffer");
    return NULL;
  }
  const int ended = atomic_load_explicit(&h->ended, memory_order_acquire);
  if (h->ring == NULL) {
    napi_create_int32(env, -1, &out);
    return out;
  }
  const uint64_t size = h->ring_size;
  const uint64_t head = atomic_load_explicit(&h->head, memory_order_acquire);
  uint64_t tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
  size_t copied = 0;
  // Copy runs of contiguous records with one memcpy each.
  uint64_t run_off = tail % size, run_len = 0;
  while (tail < head) {
    const uint64_t off = tail % size;
    uint32_t cap_len;
    memcpy(&cap_len, h->ring + off, 4);
    if (cap_len == WRAP_MARK) {
      if (run_len > 0) memcpy(dst + copied, h->ring + run_off, run_len);
      copied += run_len;
      run_len = 0;
      run_off = 0;
      tail += size - off;
      continue;
    }
    const uint64_t rec = REC_HDR + pad8(cap_len);
    if (copied + run_len + rec > cap) {
      if (copied + run_len == 0) {
        return throw_msg(env, "ERR_OUT_OF_RANGE", "edgeward_pcap.read: target is smaller than one record (16 + snaplen bytes)");
      }
      break;
    }
    run_len += rec;
    tail += rec;
  }
  if (run_len > 0) memcpy(dst + copied, h->ring + run_off, run_len);
  copied += run_len;
  atomic_store_explicit(&h->tail, tail, memory_order_release);
  napi_create_double(env, copied == 0 && ended ? -1.0 : (double)copied, &out);
  return out;
}

/** arm(handle): JavaScript found the ring empty; the next record (or the end) calls onReadable once. */
static napi_value js_arm(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  cap_handle *h = handle_args(env, info, 1, argv, "edgeward_pcap.arm(handle)");
  if (h == NULL) return NULL;
  if (!h->closed) atomic_store_explicit(&h->waiting, 1, memory_order_release);
  return NULL;
}

static void set_num(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

/** stats(handle) → { received, kernelDropped, ifDropped, ringDropped, captured, capturedBytes, error }. */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1], out, v;
  cap_handle *h = handle_args(env, info, 1, argv, "edgeward_pcap.stats(handle)");
  if (h == NULL) return NULL;
  const int ended = atomic_load_explicit(&h->ended, memory_order_acquire);
  napi_create_object(env, &out);
  set_num(env, out, "received", (double)atomic_load_explicit(&h->received, memory_order_relaxed));
  set_num(env, out, "kernelDropped", (double)atomic_load_explicit(&h->kernel_dropped, memory_order_relaxed));
  set_num(env, out, "ifDropped", (double)atomic_load_explicit(&h->if_dropped, memory_order_relaxed));
  set_num(env, out, "ringDropped", (double)atomic_load_explicit(&h->ring_dropped, memory_order_relaxed));
  set_num(env, out, "captured", (double)atomic_load_explicit(&h->captured, memory_order_relaxed));
  set_num(env, out, "capturedBytes", (double)atomic_load_explicit(&h->captured_bytes, memory_order_relaxed));
  if (ended && h->error[0] != '\0') napi_create_string_utf8(env, h->error, NAPI_AUTO_LENGTH, &v);
  else napi_get_null(env, &v);
  napi_set_named_property(env, out, "error", v);
  return out;
}

/** close(handle): stops the thread, closes libpcap, frees the ring. Idempotent; safe inside onReadable. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  cap_handle *h = handle_args(env, info, 1, argv, "edgeward_pcap.close(handle)");
  if (h == NULL) return NULL;
  close_handle(h, 0);
  return NULL;
}

/** devices() → interface names (pcap_findalldevs); [] when it fails. */
static napi_value js_devices(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, v;
  napi_create_array(env, &out);
  pcap_if_t *all = NULL;
  char errbuf[PCAP_ERRBUF_SIZE];
  if (pcap_findalldevs(&all, errbuf) != 0) return out;
  uint32_t i = 0;
  for (pcap_if_t *d = all; d != NULL; d = d->next) {
    napi_create_string_utf8(env, d->name, NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, out, i++, v);
  }
  pcap_freealldevs(all);
  return out;
}

/** libVersion() → pcap_lib_version(). */
static napi_value js_lib_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &v);
  return v;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, js_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"arm", NULL, js_arm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"devices", NULL, js_devices, NULL, NULL, NULL, napi_enumerable, NULL},
      {"libVersion", NULL, js_lib_version, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
