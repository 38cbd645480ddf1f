/* One scanner for sh words with parameter expansions: at build it checks a
 * word and finds where it ends; at launch it expands the word exactly as sh
 * would. Sharing it means whatever the build accepts, launch can expand. */
#include <ctype.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command/command.h"
#include "command/internal.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

enum scan_ctx {
    CTX_TOP,     /* a word of the line: stops at blanks and operators */
    CTX_DQUOTE,  /* inside "...": stops at the closing quote */
    CTX_PWORD,   /* the word of ${V:-word}, unquoted: stops at } */
    CTX_PWORD_DQ /* the same inside "...": stops at } */
};

struct scan {
    command_getenv_fn getenv_fn;
    void *getenv_ctx;
    bool split;             /* unquoted expansion results are field-split */
    unsigned flags;         /* COMMAND_WORD_* seen so far */
    struct strbuf cur;      /* the field being built */
    struct strbuf pattern;  /* the same, with every quoted byte escaped for glob(3) */
    bool cur_exists;        /* a quote or a byte made the field exist, even if empty */
    bool globby;            /* an unquoted *?[ came from an expansion */
    unsigned pword_depth;   /* how many ${V:-word} words the scan is inside */
    struct command_argv *fields;
    char *construct;        /* what sh would need a shell for; caller-owned buffer */
    size_t construct_len;
    bool failed;
};

static bool is_name_start(char c)
{
    return c == '_' || isalpha((unsigned char)c);
}

static bool is_name_char(char c)
{
    return c == '_' || isalnum((unsigned char)c);
}

static bool is_ifs_white(char c)
{
    /* sh resets IFS to <space><tab><newline> at start-up (bash and dash
     * ignore an inherited IFS), so this set is fixed. */
    return c == ' ' || c == '\t' || c == '\n';
}

static const char *refuse(struct scan *s, const char *fmt, const char *what)
{
    if (!s->failed && s->construct != NULL)
        snprintf(s->construct, s->construct_len, fmt, what);
    s->failed = true;
    return NULL;
}

static void push_field(struct scan *s)
{
    if (!s->cur_exists)
        return;
    glob_t g;
    if (s->globby && glob(s->pattern.data ? s->pattern.data : "", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            command_argv_push(s->fields, g.gl_pathv[i]);
        globfree(&g);
    } else {
        command_argv_push(s->fields, s->cur.data ? s->cur.data : "");
    }
    strbuf_reset(&s->cur);
    strbuf_reset(&s->pattern);
    s->cur_exists = false;
    s->globby = false;
}

/* Appends text. Quoted text is taken as is; unquoted text is field-split on
 * IFS white space and its *?[ stay active for pathname expansion. */
static void emit(struct scan *s, const char *text, size_t n, bool quoted)
{
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (!quoted && s->split && is_ifs_white(c)) {
            push_field(s);
            continue;
        }
        strbuf_append_char(&s->cur, c);
        if (quoted || !s->split || (c != '*' && c != '?' && c != '['))
            strbuf_append_char(&s->pattern, '\\');
        else
            s->globby = true;
        strbuf_append_char(&s->pattern, c);
        s->cur_exists = true;
    }
}

static const char *scan_until(struct scan *s, const char *p, enum scan_ctx ctx, bool out);

/* Reads the NAME at p (which starts one) into name, marks the word as a
 * template and looks the value up (*value NULL: unset). Returns the end of
 * the name, or NULL (refused) for a name too long to look up. */
static const char *read_param(struct scan *s, const char *p, bool quoted, char name[256],
                              const char **value)
{
    size_t n = 0;
    while (n < 255 && is_name_char(p[n]))
        n++;
    if (is_name_char(p[n]))
        return refuse(s, "%s", "a parameter name longer than 255 bytes");
    memcpy(name, p, n);
    name[n] = '\0';
    s->flags |= COMMAND_WORD_EXPAND | (quoted ? 0 : COMMAND_WORD_SPLIT);
    *value = s->getenv_fn ? s->getenv_fn(name, s->getenv_ctx) : NULL;
    return p + n;
}

/* p points just after '$'. */
static const char *scan_param(struct scan *s, const char *p, bool quoted, bool out)
{
    char name[256];
    const char *v = NULL;
    if (is_name_start(*p)) {
        p = read_param(s, p, quoted, name, &v);
        if (p != NULL && out && v != NULL)
            emit(s, v, strlen(v), quoted);
        return p;
    }
    if (*p == '(')
        return refuse(s, "%s", p[1] == '(' ? "arithmetic expansion $((...))"
                                           : "command substitution $(...)");
    if (*p != '{') {
        if (*p != '\0' && strchr("@*#?$!-0123456789", *p) != NULL) {
            char what[64];
            snprintf(what, sizeof what, "the special parameter $%c", *p);
            return refuse(s, "%s", what);
        }
        if (out) /* a lone '$' is a literal dollar */
            emit(s, "$", 1, true);
        return p;
    }
    p++;
    if (!is_name_start(*p))
        return refuse(s, "%s", "a ${...} expansion other than ${NAME}, ${NAME:-word}, "
                               "${NAME-word}, ${NAME:+word} or ${NAME+word}");
    if ((p = read_param(s, p, quoted, name, &v)) == NULL)
        return NULL;
    if (*p == '}') {
        if (out && v != NULL)
            emit(s, v, strlen(v), quoted);
        return p + 1;
    }
    bool colon = *p == ':';
    char op = colon ? p[1] : p[0];
    if (op == '\0')
        return refuse(s, "%s", "an unclosed ${");
    if (op != '-' && op != '+') {
        char what[300];
        snprintf(what, sizeof what, "the expansion ${%s%s%c...}", name, colon ? ":" : "", op ? op : ' ');
        return refuse(s, "%s", what);
    }
    p += colon ? 2 : 1;
    bool set = v != NULL && (!colon || v[0] != '\0');
    bool use_word = op == '-' ? !set : set;
    if (out && op == '-' && !use_word)
        emit(s, v, strlen(v), quoted);
    s->pword_depth++;
    p = scan_until(s, p, quoted ? CTX_PWORD_DQ : CTX_PWORD, out && use_word);
    s->pword_depth--;
    if (p == NULL)
        return NULL;
    if (*p != '}')
        return refuse(s, "%s", "an unclosed ${");
    return p + 1;
}

static const char *scan_until(struct scan *s, const char *p, enum scan_ctx ctx, bool out)
{
    bool in_dq = ctx == CTX_DQUOTE || ctx == CTX_PWORD_DQ;
    const char *start = p;
    for (;;) {
        char c = *p;
        if (c == '\0') {
            if (ctx == CTX_DQUOTE)
                return refuse(s, "%s", "an unbalanced double quote");
            if (ctx != CTX_TOP)
                return refuse(s, "%s", "an unclosed ${");
            return p;
        }
        if (ctx == CTX_DQUOTE && c == '"')
            return p;
        if ((ctx == CTX_PWORD || ctx == CTX_PWORD_DQ) && c == '}')
            return p;
        if (ctx == CTX_TOP && (c == ' ' || c == '\t' || c == '\n' || strchr("|&;<>()", c)))
            return p;
        if (c == '`')
            return refuse(s, "%s", "command substitution `...`");
        if (c == '$') {
            p = scan_param(s, p + 1, in_dq, out);
            if (p == NULL)
                return NULL;
            continue;
        }
        if (c == '\\') {
            if (p[1] == '\0')
                return refuse(s, "%s", "a line that ends with a lone backslash");
            if (p[1] == '\n') { /* line continuation */
                p += 2;
                continue;
            }
            /* In "..." a backslash quotes only $ ` " \ -- and } inside
             * ${V:-word}, where it would end the word (sh and bash agree). */
            if (in_dq && strchr("$`\"\\", p[1]) == NULL &&
                !(p[1] == '}' && s->pword_depth > 0)) {
                if (out)
                    emit(s, p, 1, true); /* the backslash stays */
                p++;
                continue;
            }
            if (out)
                emit(s, p + 1, 1, true);
            p += 2;
            continue;
        }
        if (!in_dq && c == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (end == NULL)
                return refuse(s, "%s", "an unbalanced single quote");
            if (out) {
                emit(s, p + 1, (size_t)(end - p - 1), true);
                s->cur_exists = true;
            }
            p = end + 1;
            continue;
        }
        if (c == '"' && (!in_dq || ctx == CTX_PWORD_DQ)) {
            /* also "${V:-"a b"}": sh removes the inner quotes too */
            p = scan_until(s, p + 1, CTX_DQUOTE, out);
            if (p == NULL)
                return NULL;
            if (out)
                s->cur_exists = true;
            p++;
            continue;
        }
        if (ctx == CTX_TOP && (c == '*' || c == '?' || c == '['))
            return refuse(s, "%s", "a pathname pattern (glob)");
        if (ctx == CTX_TOP && c == '~' && p == start)
            return refuse(s, "%s", "tilde expansion ~");
        if (ctx == CTX_TOP && c == '{') {
            const char *close = strchr(p, '}');
            const char *comma = strchr(p, ',');
            const char *dots = strstr(p, "..");
            if (close && ((comma && comma < close) || (dots && dots < close)))
                return refuse(s, "%s", "brace expansion {a,b}");
        }
        if (out)
            emit(s, p, 1, in_dq);
        p++;
    }
}

const char *command_word_scan(const char *p, unsigned *flags, struct strbuf *value, char *construct,
                              size_t construct_len)
{
    struct command_argv fields = {0};
    struct scan s = {.split = false, .fields = &fields, .construct = construct,
                     .construct_len = construct_len};
    const char *end = scan_until(&s, p, CTX_TOP, true);
    *flags = s.flags;
    if (end != NULL && value != NULL)
        strbuf_append(value, s.cur.data ? s.cur.data : "", s.cur.len);
    strbuf_free(&s.cur);
    strbuf_free(&s.pattern);
    command_argv_free(&fields);
    return end;
}

int command_expand_word(const char *word, command_getenv_fn getenv_fn, void *ctx, bool split,
                        struct command_argv *out, struct bp_error *err)
{
    char construct[256] = "";
    struct scan s = {.getenv_fn = getenv_fn, .getenv_ctx = ctx, .split = split, .fields = out,
                     .construct = construct, .construct_len = sizeof construct};
    const char *end = scan_until(&s, word, CTX_TOP, true);
    int rc = 0;
    if (end == NULL)
        rc = error_set(err, "expanding %s: %s needs a shell", word, construct);
    else if (*end != '\0')
        rc = error_set(err, "expanding %s: '%c' at byte %zu is a shell operator", word, *end,
                       (size_t)(end - word));
    else if (!split)
        s.cur_exists = true; /* an assignment value is one string, even when empty */
    if (rc == 0)
        push_field(&s);
    strbuf_free(&s.cur);
    strbuf_free(&s.pattern);
    return rc;
}

static const char *environ_getenv(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

int command_expand_argv(const struct command_argv *argv, const char *marks,
                        command_getenv_fn getenv_fn, void *ctx, struct command_argv *out,
                        struct bp_error *err)
{
    unsigned char *expand = xcalloc(argv->len + 1, 1);
    int rc = command_marks_parse(marks, argv->len, expand, err);
    for (size_t i = 0; rc == 0 && i < argv->len; i++) {
        if (!expand[i])
            command_argv_push(out, argv->items[i]);
        else
            rc = command_expand_word(argv->items[i], getenv_fn ? getenv_fn : environ_getenv, ctx,
                                     true, out, err);
    }
    free(expand);
    return rc;
}

char *command_marks_format(const unsigned char *flags, size_t n, size_t offset)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++)
        if (flags[i] & COMMAND_WORD_EXPAND)
            strbuf_appendf(&sb, "%s%zu", sb.len ? "," : "", i + offset);
    return strbuf_detach(&sb);
}

int command_marks_parse(const char *marks, size_t argc, unsigned char *expand, struct bp_error *err)
{
    memset(expand, 0, argc);
    const char *p = marks ? marks : "";
    while (*p != '\0') {
        if (!isdigit((unsigned char)*p))
            return error_set(err, "CNB_DEBUG_EXPAND=%s: expected word indices like 2,5", marks);
        char *end = NULL;
        unsigned long i = strtoul(p, &end, 10);
        if (i >= argc)
            return error_set(err, "CNB_DEBUG_EXPAND=%s: word %lu is past the %zu words of the "
                                  "command", marks, i, argc);
        expand[i] = 1;
        p = end;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return error_set(err, "CNB_DEBUG_EXPAND=%s: expected word indices like 2,5", marks);
    }
    return 0;
}
