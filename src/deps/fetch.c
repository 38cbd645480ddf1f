/* Downloads with libcurl (verified TLS, redirects, timeouts, proxies,
 * bounded retries with back-off) while hashing with OpenSSL's SHA-256, so
 * the file is read once and verified before anything is extracted. */
#include "deps/internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/xalloc.h"

#define MAX_RETRY_DELAY_MS 30000L
#define CA_BUNDLE_MAX (16u << 20)

struct sink {
    int fd;
    EVP_MD_CTX *md;
    unsigned long long bytes;       /* this attempt's */
    unsigned long long max_bytes;   /* the cap: a body past it is refused */
    int write_errno;                /* set when writing fd failed: not worth a retry */
    bool too_big;                   /* set when the body passed max_bytes */
    long long declared;             /* the last response's Content-Length, -1 when none */
    char location[2048];            /* the last response's Location, "" when none */
};

/* Keeps the Content-Length and Location of the response being read (each
 * redirect hop starts a new one), for the cap and for messages. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t len = size * nmemb;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        s->declared = -1;
        s->location[0] = '\0';
    } else if (len > 15 && strncasecmp(data, "content-length:", 15) == 0) {
        char num[32];
        size_t n = len - 15 < sizeof num - 1 ? len - 15 : sizeof num - 1;
        memcpy(num, data + 15, n);
        num[n] = '\0';
        char *end = NULL;
        errno = 0;
        long long v = strtoll(num, &end, 10);
        s->declared = errno == 0 && end != num && v >= 0 ? v : -1;
    } else if (len > 9 && strncasecmp(data, "location:", 9) == 0) {
        const char *v = data + 9;
        size_t n = len - 9;
        while (n > 0 && (*v == ' ' || *v == '\t'))
            v++, n--;
        while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
            n--;
        if (n >= sizeof s->location)
            n = sizeof s->location - 1;
        memcpy(s->location, v, n);
        s->location[n] = '\0';
    }
    return len;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t len = size * nmemb;
    size_t done = 0;
    /* A server that sends no Content-Length (or lies) is stopped here,
     * before the byte past the cap reaches the disk. */
    if (s->bytes + len > s->max_bytes ||
        (s->declared >= 0 && (unsigned long long)s->declared > s->max_bytes)) {
        s->too_big = true;
        return 0;
    }
    while (done < len) {
        ssize_t n = write(s->fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            s->write_errno = errno;
            return 0; /* curl stops with CURLE_WRITE_ERROR */
        }
        done += (size_t)n;
    }
    EVP_DigestUpdate(s->md, data, len);
    s->bytes += len;
    return len;
}

static void to_hex(const unsigned char *digest, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[64] = '\0';
}

int deps_sha256_file(const char *path, char sha256_hex[65], struct bp_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_set(err, "reading %s: %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    /* OpenSSL fails these only for memory: the same policy as xalloc */
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        xalloc_die();
    unsigned char *buf = xmalloc(1 << 20);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = error_set(err, "reading %s: %s", path, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(md, buf, (size_t)n);
    }
    unsigned char digest[32];
    unsigned int dlen = 0;
    EVP_DigestFinal_ex(md, digest, &dlen);
    to_hex(digest, sha256_hex);
cleanup:
    free(buf);
    EVP_MD_CTX_free(md);
    close(fd);
    return rc;
}

static bool transient_code(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static bool transient_status(long status)
{
    return status >= 500 || status == 408 || status == 429;
}

/* The proxy for url's scheme, as curl would pick it, but looked up through
 * the caller's environment (which includes <platform>/env). */
static const char *proxy_for(const struct deps_fetch_options *opt, const char *url)
{
    bool https = strncasecmp(url, "https://", 8) == 0;
    const char *names_https[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    const char *names_http[] = {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"};
    const char **names = https ? names_https : names_http;
    for (int i = 0; i < 4; i++) {
        const char *v = deps_getenv(opt, names[i]);
        if (v != NULL)
            return v;
    }
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The system bundle plus the binding's certificates: CURLOPT_CAINFO_BLOB
 * replaces CURLOPT_CAINFO, so both go in the blob. */
static int ca_blob(CURL *curl, const char *bindings_root, struct strbuf *pem, int *count,
                   struct bp_error *err)
{
    struct strbuf extra = STRBUF_INIT;
    int rc = deps_binding_ca_certs(bindings_root, &extra, count, err);
    if (rc != 0 || *count == 0)
        goto cleanup;
    char *system_path = NULL;
    if (curl_easy_getinfo(curl, CURLINFO_CAINFO, &system_path) == CURLE_OK &&
        system_path != NULL && file_exists(system_path)) {
        char *text = NULL;
        size_t len = 0;
        struct bp_error ignored;
        if (file_read_all(system_path, CA_BUNDLE_MAX, &text, &len, &ignored) == 0) {
            strbuf_append(pem, text, len);
            strbuf_append_char(pem, '\n');
            free(text);
        }
    }
    strbuf_append(pem, extra.data, extra.len);
cleanup:
    strbuf_free(&extra);
    return rc;
}

/* The deadline of one download in seconds: opt, else BP_DEBUG_DOWNLOAD_TIMEOUT,
 * else the default. A bad value is an error naming the variable. */
static int download_timeout(const struct deps_fetch_options *opt, long *out, struct bp_error *err)
{
    *out = DEPS_DOWNLOAD_TIMEOUT_S;
    if (opt->download_timeout_s > 0) {
        *out = opt->download_timeout_s;
        return 0;
    }
    /* <platform>/env first (what `pack build --env` writes: the user's
     * explicit value), then the caller's lookup (the process environment). */
    char *from_file = NULL;
    if (opt->platform_dir != NULL) {
        char *path = xasprintf("%s/env/BP_DEBUG_DOWNLOAD_TIMEOUT", opt->platform_dir);
        struct stat st;
        int rc = 0;
        if (lstat(path, &st) == 0 &&
            file_read_all(path, 256, &from_file, NULL, err) != 0)
            rc = -1;
        free(path);
        if (rc != 0)
            return -1;
        if (from_file != NULL) {
            size_t n = strlen(from_file);
            while (n > 0 && (from_file[n - 1] == '\n' || from_file[n - 1] == '\r'))
                from_file[--n] = '\0';
        }
    }
    const char *v = from_file != NULL && from_file[0] != '\0'
                        ? from_file
                        : deps_getenv(opt, "BP_DEBUG_DOWNLOAD_TIMEOUT");
    if (v == NULL) {
        free(from_file);
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    /* A day is far past any sane download and keeps the ms arithmetic small. */
    int rc = 0;
    if (errno != 0 || end == v || *end != '\0' || n <= 0 || n > 86400)
        rc = error_set(err, "BP_DEBUG_DOWNLOAD_TIMEOUT=\"%s\": expected whole seconds from 1 to 86400",
                       v);
    else
        *out = n;
    free(from_file);
    return rc;
}

static void global_init(void)
{
    static bool done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = true;
    }
}

int deps_fetch_url(const char *url, const struct deps_fetch_options *opt,
                   const char *bindings_root, int fd, const char *fd_path,
                   unsigned long long max_bytes, char sha256_hex[65],
                   unsigned long long *bytes, struct bp_error *err)
{
    global_init();
    char shown[2048];
    deps_redact_url(url, shown, sizeof shown);
    *bytes = 0;
    long timeout_s;
    if (download_timeout(opt, &timeout_s, err) != 0)
        return -1;
    long long deadline = log_now_ms() + timeout_s * 1000LL;
    bool from_https = strncasecmp(url, "https://", 8) == 0;

    int max_attempts = opt->max_attempts > 0 ? opt->max_attempts : 4;
    long delay_ms = opt->retry_delay_ms == 0 ? 1000 : (opt->retry_delay_ms < 0 ? 0 : opt->retry_delay_ms);
    const char *proxy = proxy_for(opt, url);
    const char *no_proxy = deps_getenv(opt, "no_proxy");
    if (no_proxy == NULL)
        no_proxy = deps_getenv(opt, "NO_PROXY");

    int rc = -1;
    struct strbuf pem = STRBUF_INIT;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    CURL *curl = curl_easy_init();
    if (md == NULL || curl == NULL)
        xalloc_die(); /* both fail only for memory */
    int ca_count = 0;
    if (ca_blob(curl, bindings_root, &pem, &ca_count, err) != 0)
        goto cleanup;
    if (ca_count > 0)
        log_subdetail("Trusting %d CA certificate file%s from ca-certificates bindings", ca_count,
                      ca_count == 1 ? "" : "s");

    char curl_msg[CURL_ERROR_SIZE];
    struct sink sink = {fd, md, 0, max_bytes, 0, false, -1, ""};
    for (int attempt = 1;; attempt++) {
        long long left_ms = deadline - log_now_ms();
        if (left_ms <= 0) {
            error_set(err, "downloading %s: not done within %ld s (BP_DEBUG_DOWNLOAD_TIMEOUT)", shown,
                      timeout_s);
            goto cleanup;
        }
        sink.bytes = 0;
        sink.too_big = false;
        sink.declared = -1;
        sink.location[0] = '\0';
        if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
            error_set(err, "writing %s: %s", fd_path, strerror(errno));
            goto cleanup;
        }
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        curl_msg[0] = '\0';
        curl_easy_reset(curl);
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_msg);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
        /* A redirect must not reach file:// or other schemes, and one from
         * https must stay https: a downgrade would let anyone on the path
         * choose the bytes (the sha256 still guards them, but a mirror or
         * binding URI may come without one being re-checked elsewhere). */
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, from_https ? "https" : "http,https");
        /* Refused from the Content-Length before any body byte; on_data
         * enforces the same cap for bodies without one. */
        curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)left_ms);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(curl, CURLOPT_USERAGENT,
                         opt->user_agent ? opt->user_agent : "cnbdebug/debug");
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                         opt->connect_timeout_s > 0 ? opt->connect_timeout_s : 30L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, DEPS_LOW_SPEED_BYTES);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                         opt->low_speed_time_s > 0 ? opt->low_speed_time_s : 60L);
        curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L * 1024L);
        curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
        /* "" turns curl's own env lookup off: the caller's env decides. */
        curl_easy_setopt(curl, CURLOPT_PROXY, proxy ? proxy : "");
        if (no_proxy != NULL)
            curl_easy_setopt(curl, CURLOPT_NOPROXY, no_proxy);
        if (ca_count > 0) {
            struct curl_blob blob = {pem.data, pem.len, CURL_BLOB_NOCOPY};
            curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
        }

        CURLcode code = curl_easy_perform(curl);
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        *bytes += sink.bytes;

        if (code == CURLE_OK) {
            unsigned char digest[32];
            unsigned int dlen = 0;
            EVP_DigestFinal_ex(md, digest, &dlen);
            to_hex(digest, sha256_hex);
            rc = 0;
            goto cleanup;
        }
        char why[CURL_ERROR_SIZE + 64];
        bool retry;
        if (code == CURLE_FILESIZE_EXCEEDED || (code == CURLE_WRITE_ERROR && sink.too_big)) {
            if (sink.declared >= 0 && (unsigned long long)sink.declared > max_bytes)
                error_set(err, "downloading %s: the server declares %lld bytes, over the %llu-byte "
                               "limit (not retried)", shown, sink.declared, max_bytes);
            else
                error_set(err, "downloading %s: the body is more than the %llu-byte limit "
                               "(not retried)", shown, max_bytes);
            goto cleanup;
        }
        if (code == CURLE_TOO_MANY_REDIRECTS || code == CURLE_UNSUPPORTED_PROTOCOL) {
            const char *target = sink.location;
            char target_shown[2048] = "";
            deps_redact_url(target, target_shown, sizeof target_shown);
            if (target[0] != '\0' && from_https && strncasecmp(target, "https://", 8) != 0)
                error_set(err, "downloading %s: refusing the redirect to %s: an https download "
                               "only follows https redirects (not retried)", shown, target_shown);
            else
                error_set(err, "downloading %s: %s (not retried)", shown,
                          curl_msg[0] ? curl_msg : curl_easy_strerror(code));
            goto cleanup;
        }
        if (code == CURLE_OPERATION_TIMEDOUT && deadline - log_now_ms() <= 0) {
            error_set(err, "downloading %s: not done within %ld s (BP_DEBUG_DOWNLOAD_TIMEOUT)", shown,
                      timeout_s);
            goto cleanup;
        }
        if (code == CURLE_WRITE_ERROR && sink.write_errno != 0) {
            error_set(err, "downloading %s: writing %s: %s", shown, fd_path,
                      strerror(sink.write_errno));
            goto cleanup;
        }
        if (code == CURLE_HTTP_RETURNED_ERROR) {
            snprintf(why, sizeof why, "HTTP status %ld", status);
            retry = transient_status(status);
        } else {
            snprintf(why, sizeof why, "%s", curl_msg[0] ? curl_msg : curl_easy_strerror(code));
            retry = transient_code(code);
        }
        if (!retry || attempt >= max_attempts) {
            if (attempt > 1)
                error_set(err, "downloading %s: %s (gave up after %d attempts)", shown, why,
                          attempt);
            else
                error_set(err, "downloading %s: %s%s", shown, why, retry ? "" : " (not retried)");
            goto cleanup;
        }
        long wait = delay_ms;
        for (int i = 1; i < attempt && wait < MAX_RETRY_DELAY_MS; i++)
            wait *= 2;
        if (wait > MAX_RETRY_DELAY_MS)
            wait = MAX_RETRY_DELAY_MS;
        long long left = deadline - log_now_ms();
        if (wait >= left) {
            error_set(err, "downloading %s: %s (no time left for attempt %d within %ld s, "
                           "BP_DEBUG_DOWNLOAD_TIMEOUT)", shown, why, attempt + 1, timeout_s);
            goto cleanup;
        }
        log_subdetail("Attempt %d of %d failed (%s); retrying in %ld ms", attempt, max_attempts,
                      why, wait);
        sleep_ms(wait);
    }
cleanup:
    if (curl != NULL)
        curl_easy_cleanup(curl);
    EVP_MD_CTX_free(md);
    strbuf_free(&pem);
    return rc;
}
