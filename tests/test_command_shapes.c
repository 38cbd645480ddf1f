/* command shapes: tables of real process lines (Heroku procfile's
 * `bash -c`, Paketo procfile's API < 0.9 shell lines, npm-start's start.sh
 * chains, node-start's tini and watchexec wrappers) to the words, markers,
 * wrappers and package-manager runs they must give; and the launch-time
 * expander checked against the real sh and bash on the same inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command/command.h"
#include "common/strbuf.h"
#include "support/fixture.h"

/* "a|b|c" → argv (| separates words; an empty string is no words). */
static void argv_of(struct command_argv *argv, const char *spec)
{
    memset(argv, 0, sizeof *argv);
    if (spec == NULL || spec[0] == '\0')
        return;
    char *copy = strdup(spec), *save = NULL;
    for (char *w = strtok_r(copy, "|", &save); w; w = strtok_r(NULL, "|", &save))
        command_argv_push(argv, w);
    free(copy);
}

/* argv → "a|b|c", each template word prefixed with "E:" or "S:" (split). */
static char *show(const struct command_argv *argv, const unsigned char *flags)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < argv->len; i++) {
        if (i > 0)
            strbuf_append_char(&sb, '|');
        if (flags && (flags[i] & COMMAND_WORD_SPLIT))
            strbuf_append_str(&sb, "S:");
        else if (flags && (flags[i] & COMMAND_WORD_EXPAND))
            strbuf_append_str(&sb, "E:");
        strbuf_append_str(&sb, argv->items[i]);
    }
    return strbuf_detach(&sb);
}

/* ---- command_parse_line ------------------------------------------------ */

static const struct {
    const char *line;
    const char *words;    /* the last command's words, or NULL */
    const char *env;      /* its assignments */
    const char *workdir;  /* NULL: none */
    size_t chain;         /* commands in the && chain */
    const char *needs;    /* substring of needs_shell, or NULL */
} lines[] = {
    /* Heroku procfile: `web: bash -c '...'` lines (buildpacks-procfile emits ["bash","-c",LINE]) */
    {"exec python3 app.py --port $PORT", "python3|app.py|--port|S:$PORT", "", NULL, 1, NULL},
    {"node server.js --port=${PORT:-8080}", "node|server.js|S:--port=${PORT:-8080}", "", NULL, 1, NULL},
    {"java -Dserver.port=$PORT -jar app.jar", "java|S:-Dserver.port=$PORT|-jar|app.jar", "", NULL, 1, NULL},
    {"java \"-Dport=$PORT\" -jar app.jar", "java|E:\"-Dport=$PORT\"|-jar|app.jar", "", NULL, 1, NULL},
    /* Paketo procfile: API < 0.9 direct = false */
    {"gunicorn app:app --bind 0.0.0.0:$PORT", "gunicorn|app:app|--bind|S:0.0.0.0:$PORT", "", NULL, 1, NULL},
    {"gunicorn app:app --workers ${WEB_CONCURRENCY-2}", "gunicorn|app:app|--workers|S:${WEB_CONCURRENCY-2}", "", NULL, 1, NULL},
    {"PORT=8080 NODE_ENV=production node 'my app.js'", "node|my app.js", "PORT=8080|NODE_ENV=production", NULL, 1, NULL},
    {"HOST=${HOST:-0.0.0.0} exec uvicorn main:app", "uvicorn|main:app", "E:HOST=${HOST:-0.0.0.0}", NULL, 1, NULL},
    {"cd /workspace/api && exec node server.js", "node|server.js", "", "/workspace/api", 1, NULL},
    {"node a.js ; # trailing", "node|a.js", "", NULL, 1, NULL},
    {"node  'my app.js' \"a \\\"b\\\"\" c\\ d # comment", "node|my app.js|a \"b\"|c d", "", NULL, 1, NULL},
    /* npm-start's start.sh chain (build.go: prestart && start && poststart, cd first) */
    {"cd /workspace/app && npm run prestart && node server.js && npm run poststart",
     "npm|run|poststart", "", "/workspace/app", 3, NULL},
    /* what needs a shell, and the construct named */
    {"node a.js | tee log", NULL, NULL, NULL, 0, "a pipe |"},
    {"node a.js > log 2>&1", NULL, NULL, NULL, 0, "redirection >"},
    {"x < y", NULL, NULL, NULL, 0, "redirection <"},
    {"a; b", NULL, NULL, NULL, 0, "command list ;"},
    {"node a.js || exit 1", NULL, NULL, NULL, 0, "or-list ||"},
    {"node a.js &", NULL, NULL, NULL, 0, "background job &"},
    {"echo $(date)", NULL, NULL, NULL, 0, "command substitution $(...)"},
    {"echo `date`", NULL, NULL, NULL, 0, "command substitution `...`"},
    {"node app.js \"$@\"", NULL, NULL, NULL, 0, "special parameter $@"},
    {"node app.js $1", NULL, NULL, NULL, 0, "special parameter $1"},
    {"node ${APP%.js}.js", NULL, NULL, NULL, 0, "${APP%...}"},
    {"node ${#APP}", NULL, NULL, NULL, 0, "${...} expansion other than"},
    {"ls *.py", NULL, NULL, NULL, 0, "pathname pattern"},
    {"node ~/app.js", NULL, NULL, NULL, 0, "tilde expansion"},
    {"export PORT=1 && node a.js", NULL, NULL, NULL, 0, "builtin or keyword 'export'"},
    {"if true; then node a.js; fi", NULL, NULL, NULL, 0, "command list ;"},
    {"$CMD --port 1", NULL, NULL, NULL, 0, "command name from an unquoted expansion"},
    {"cd $DIR && node a.js", NULL, NULL, NULL, 0, "cd to a directory named by an expansion"},
    {"PORT=1", NULL, NULL, NULL, 0, "variable assignment with no command"},
    {"node a.js\nnode b.js", NULL, NULL, NULL, 0, "second command line"},
    {"   ", NULL, NULL, NULL, 0, "empty line"},
};

static void test_parse_line_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        struct command_line line;
        struct bp_error err = {{0}};
        if (command_parse_line(lines[i].line, &line, &err) != 0)
            fail_msg("[%zu] %s: %s", i, lines[i].line, err.message);
        if (lines[i].needs != NULL) {
            if (strstr(line.needs_shell, lines[i].needs) == NULL)
                fail_msg("[%zu] %s: needs_shell \"%s\", want \"%s\"", i, lines[i].line,
                         line.needs_shell, lines[i].needs);
            assert_int_equal(line.len, 0);
            command_line_free(&line);
            continue;
        }
        if (line.needs_shell[0] != '\0')
            fail_msg("[%zu] %s: needs a shell: %s", i, lines[i].line, line.needs_shell);
        assert_int_equal(line.len, lines[i].chain);
        const struct command_simple *last = &line.cmds[line.len - 1];
        char *words = show(&last->argv, last->flags);
        char *env = show(&last->env, last->env_flags);
        if (strcmp(words, lines[i].words) != 0 || strcmp(env, lines[i].env) != 0)
            fail_msg("[%zu] %s: words %s env %s; want %s env %s", i, lines[i].line, words, env,
                     lines[i].words, lines[i].env);
        if (lines[i].workdir == NULL)
            assert_null(line.workdir);
        else
            assert_string_equal(line.workdir, lines[i].workdir);
        free(words);
        free(env);
        command_line_free(&line);
    }
}

/* Names up to 255 bytes are looked up, in both $NAME and ${NAME} forms;
 * a longer one is refused rather than cut, so build and launch agree. */
static void test_parse_line_long_parameter_names(void **state)
{
    (void)state;
    char name[300];
    for (size_t len = 255; len <= 256; len++) {
        memset(name, 'A', len);
        name[len] = '\0';
        const char *forms[] = {"node --x=$%s", "node --x=${%s}", "node --x=${%s:-1}"};
        for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
            char line[400];
            snprintf(line, sizeof line, forms[f], name);
            struct command_line parsed;
            assert_int_equal(command_parse_line(line, &parsed, NULL), 0);
            if (len == 255) {
                if (parsed.needs_shell[0] != '\0')
                    fail_msg("%s: %s", forms[f], parsed.needs_shell);
                assert_int_equal(parsed.cmds[0].flags[1], COMMAND_WORD_EXPAND | COMMAND_WORD_SPLIT);
            } else {
                assert_non_null(strstr(parsed.needs_shell, "longer than 255 bytes"));
            }
            command_line_free(&parsed);
        }
    }
}

static void test_parse_line_rejects_what_sh_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"python 'app.py", "python \"app.py", "node ${PORT", "node a.js \\"};
    const char *want[] = {"unbalanced single quote", "unbalanced double quote", "unclosed ${",
                          "lone backslash"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct command_line line;
        struct bp_error err = {{0}};
        assert_int_equal(command_parse_line(bad[i], &line, &err), -1);
        assert_int_equal(line.len, 0);
        assert_non_null(strstr(err.message, want[i]));
        assert_non_null(strstr(err.message, bad[i]));
    }
}

/* ---- command_expand_word, against the real sh and bash ----------------- */

struct env_pair {
    const char *name, *value;
};

static const char *table_getenv(const char *name, void *ctx)
{
    for (const struct env_pair *p = ctx; p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p->value;
    return NULL;
}

static const struct {
    const char *word;
    const char *want; /* fields joined with |, "<none>" for no field */
} expansions[] = {
    {"$PORT", "8080"},
    {"--port=$PORT", "--port=8080"},
    {"${UNSET:-5000}", "5000"},
    {"${EMPTY:-5000}", "5000"},
    {"${EMPTY-5000}", "<none>"},
    {"\"${EMPTY-5000}\"", ""},
    {"${UNSET-5000}", "5000"},
    {"$UNSET", "<none>"},
    {"\"$UNSET\"", ""},
    {"a$UNSET", "a"},
    {"''$UNSET", ""},
    {"$SPACED", "a|b|c"},
    {"\"$SPACED\"", "  a b\tc "},
    {"x${SPACED}y", "x|a|b|c|y"},
    {"${UNSET:-a b}", "a|b"},
    {"${UNSET:-\"a b\"}", "a b"},
    {"\"${UNSET:-a  b}\"", "a  b"},
    {"${PORT:+--port=$PORT}", "--port=8080"},
    {"${UNSET:+x}", "<none>"},
    {"${EMPTY+set}", "set"},
    {"${UNSET:-${PORT}0}", "80800"},
    {"'$PORT'\"$PORT\"", "$PORT8080"},
    {"\\$PORT", "$PORT"},
    {"cost$", "cost$"},
    {"\"a\\\"b\\\\c\\d\"", "a\"b\\c\\d"},
    {"$GLOBBY", "[nomatch]*zz"},
    {"$DASH_N", "-n"},
    {"\"${UNSET:-\"a b\"}\"", "a b"},
    {"\"${UNSET:-'x'}\"", "'x'"},
    {"\"${UNSET:-\\\"q\\\"}\"", "\"q\""},
    {"${UNSET:-\"c  d\"e}", "c  de"},
    /* inside "..." a backslash escapes } only within ${...} */
    {"\"a\\}$PORT\"", "a\\}8080"},
    {"\"${UNSET:-a\\}b}\"", "a}b"},
};

static const struct env_pair env_table[] = {
    {"PORT", "8080"}, {"EMPTY", ""}, {"SPACED", "  a b\tc "},
    {"GLOBBY", "[nomatch]*zz"}, {"DASH_N", "-n"}, {NULL, NULL},
};

static char *expand_ours(const char *word)
{
    struct command_argv out = {0};
    struct bp_error err = {{0}};
    if (command_expand_word(word, table_getenv, (void *)env_table, true, &out, &err) != 0)
        fail_msg("%s: %s", word, err.message);
    char *text = out.len == 0 ? strdup("<none>") : show(&out, NULL);
    command_argv_free(&out);
    return text;
}

struct shell_run {
    const char *shell, *script;
};

/* In the child: the shell with only env_table's variables (and a PATH). */
static void run_shell(void *arg)
{
    const struct shell_run *run = arg;
    clearenv();
    for (const struct env_pair *p = env_table; p->name; p++)
        setenv(p->name, p->value, 1);
    setenv("PATH", "/usr/bin:/bin", 1);
    execl(run->shell, run->shell, "-c", run->script, (char *)NULL);
    _exit(127);
}

/* The same word through a real shell: `set -- WORD` then the fields. */
static char *expand_by(const char *shell, const char *word)
{
    char script[1024];
    snprintf(script, sizeof script,
             "set -- %s; if [ $# -eq 0 ]; then printf '<none>'; exit; fi; "
             "sep=; for f in \"$@\"; do printf '%%s%%s' \"$sep\" \"$f\"; sep='|'; done", word);
    struct shell_run run = {shell, script};
    int status;
    return fixture_capture(run_shell, &run, &status);
}

static void test_expand_word_table_matches_sh_and_bash(void **state)
{
    (void)state;
    const char *shells[] = {"/bin/sh", "/bin/bash"};
    for (size_t i = 0; i < sizeof expansions / sizeof *expansions; i++) {
        char *ours = expand_ours(expansions[i].word);
        if (strcmp(ours, expansions[i].want) != 0)
            fail_msg("[%zu] %s: ours %s, want %s", i, expansions[i].word, ours, expansions[i].want);
        for (size_t s = 0; s < 2; s++) {
            if (access(shells[s], X_OK) != 0)
                continue;
            char *theirs = expand_by(shells[s], expansions[i].word);
            if (strcmp(ours, theirs) != 0)
                fail_msg("[%zu] %s: ours %s, %s says %s", i, expansions[i].word, ours, shells[s],
                         theirs);
            free(theirs);
        }
        free(ours);
    }
}

/* Random words from the supported grammar (fixed seed, so a failure
 * reproduces), each expanded by us, sh and bash: all three must agree. */
static void gen_word(struct strbuf *sb, int depth, bool in_dq);

static void gen_param(struct strbuf *sb, int depth, bool in_dq)
{
    static const char *const names[] = {"PORT", "EMPTY", "SPACED", "UNSET", "DASH_N"};
    static const char *const ops[] = {":-", "-", ":+", "+"};
    const char *name = names[rand() % 5];
    int kind = depth > 2 ? rand() % 2 : rand() % 3;
    if (kind == 0) {
        strbuf_appendf(sb, "$%s", name);
    } else if (kind == 1) {
        strbuf_appendf(sb, "${%s}", name);
    } else {
        strbuf_appendf(sb, "${%s%s", name, ops[rand() % 4]);
        gen_word(sb, depth + 1, in_dq);
        strbuf_append_char(sb, '}');
    }
}

static void gen_word(struct strbuf *sb, int depth, bool in_dq)
{
    static const char *const literals[] = {"a", "-x=", ":", "b.c", "7", "/p"};
    int parts = 1 + rand() % 3;
    for (int i = 0; i < parts; i++) {
        int kind = rand() % (in_dq ? 3 : 5);
        if (kind == 0)
            strbuf_append_str(sb, literals[rand() % 6]);
        else if (kind == 1 || kind == 2)
            gen_param(sb, depth, in_dq);
        else if (kind == 3)
            strbuf_append_str(sb, rand() % 2 ? "'q  r'" : "''");
        else {
            strbuf_append_char(sb, '"');
            if (rand() % 4)
                gen_word(sb, depth + 1, true);
            strbuf_append_char(sb, '"');
        }
    }
}

static void test_expand_random_words_match_sh_and_bash(void **state)
{
    (void)state;
    srand(20261204);
    const char *shells[] = {"/bin/sh", "/bin/bash"};
    for (int n = 0; n < 250; n++) {
        struct strbuf word = STRBUF_INIT;
        gen_word(&word, 0, false);
        char *ours = expand_ours(word.data);
        for (size_t s = 0; s < 2; s++) {
            if (access(shells[s], X_OK) != 0)
                continue;
            char *theirs = expand_by(shells[s], word.data);
            if (strcmp(ours, theirs) != 0)
                fail_msg("[%d] %s: ours %s, %s says %s", n, word.data, ours, shells[s], theirs);
            free(theirs);
        }
        free(ours);
        strbuf_free(&word);
    }
}

static void test_expand_glob_from_value_matches_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_command_glob.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/b.py", dir);
    fclose(fopen(path, "w"));
    snprintf(path, sizeof path, "%s/a.py", dir);
    fclose(fopen(path, "w"));
    char pattern[128];
    snprintf(pattern, sizeof pattern, "%s/*.py", dir);
    struct env_pair env[] = {{"FILES", pattern}, {NULL, NULL}};
    struct command_argv out = {0};
    assert_int_equal(command_expand_word("$FILES", table_getenv, env, true, &out, NULL), 0);
    assert_int_equal(out.len, 2);
    assert_string_equal(out.items[0], path); /* sorted: a.py first */
    command_argv_free(&out);
    /* quoted: no pathname expansion */
    assert_int_equal(command_expand_word("\"$FILES\"", table_getenv, env, true, &out, NULL), 0);
    assert_int_equal(out.len, 1);
    assert_string_equal(out.items[0], pattern);
    command_argv_free(&out);
    unlink(path);
    snprintf(path, sizeof path, "%s/b.py", dir);
    unlink(path);
    rmdir(dir);
}

static void test_expand_assignment_value_is_one_string(void **state)
{
    (void)state;
    struct env_pair env[] = {{"A", "x  y"}, {NULL, NULL}};
    struct command_argv out = {0};
    assert_int_equal(command_expand_word("HOST=${A}", table_getenv, env, false, &out, NULL), 0);
    assert_int_equal(out.len, 1);
    assert_string_equal(out.items[0], "HOST=x  y");
    command_argv_free(&out);
    assert_int_equal(command_expand_word("E=$UNSET", table_getenv, env, false, &out, NULL), 0);
    assert_int_equal(out.len, 1);
    assert_string_equal(out.items[0], "E=");
    command_argv_free(&out);
}

/* ---- markers: parse → format → CNB_DEBUG_EXPAND → expand_argv --------- */

static void test_marks_travel_to_launch(void **state)
{
    (void)state;
    struct command_line line;
    assert_int_equal(command_parse_line("exec python3 app.py --port $PORT --host \"$HOST\"",
                                        &line, NULL), 0);
    const struct command_simple *cmd = &line.cmds[0];
    char *marks = command_marks_format(cmd->flags, cmd->argv.len, 0);
    assert_string_equal(marks, "3,5");
    char *shifted = command_marks_format(cmd->flags, cmd->argv.len, 2);
    assert_string_equal(shifted, "5,7");
    struct env_pair env[] = {{"PORT", "9000"}, {NULL, NULL}};
    struct command_argv out = {0};
    assert_int_equal(command_expand_argv(&cmd->argv, marks, table_getenv, env, &out, NULL), 0);
    char *text = show(&out, NULL);
    assert_string_equal(text, "python3|app.py|--port|9000|--host|");
    free(text);
    free(marks);
    free(shifted);
    command_argv_free(&out);
    command_line_free(&line);
}

static void test_marks_parse_errors_name_the_variable(void **state)
{
    (void)state;
    unsigned char expand[4];
    struct bp_error err = {{0}};
    assert_int_equal(command_marks_parse("1,3", 4, expand, &err), 0);
    assert_int_equal(expand[1] + expand[3], 2);
    assert_int_equal(expand[0] + expand[2], 0);
    assert_int_equal(command_marks_parse("", 4, expand, &err), 0);
    assert_int_equal(command_marks_parse(NULL, 4, expand, &err), 0);
    const char *bad[] = {"4", "1,,x", "-1", "1;2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(command_marks_parse(bad[i], 4, expand, &err), -1);
        assert_non_null(strstr(err.message, "CNB_DEBUG_EXPAND"));
    }
}

/* ---- wrappers ---------------------------------------------------------- */

static const struct {
    const char *argv;
    int seen;
    const char *prefix, *env, *inner, *reason;
} wrappers[] = {
    /* Paketo node-start build.go with BP_NODE_RUN_TINI */
    {"tini|-g|--|node|server.js", 1, "tini|-g|--", "", "node|server.js", NULL},
    {"/usr/bin/tini|-s|-p|SIGTERM|node|a.js", 1, "/usr/bin/tini|-s|-p|SIGTERM", "", "node|a.js", NULL},
    {"dumb-init|--rewrite|15:2|--|python|app.py", 1, "dumb-init|--rewrite|15:2|--", "", "python|app.py", NULL},
    {"dumb-init|-c|node|a.js", 1, "dumb-init|-c", "", "node|a.js", NULL},
    /* npm-start build.go with BP_LIVE_RELOAD_ENABLED */
    {"watchexec|--restart|--shell|none|--watch|/workspace|--ignore|/workspace/package.json|--|sh|start.sh",
     1, "watchexec|--restart|--shell|none|--watch|/workspace|--ignore|/workspace/package.json|--", "",
     "sh|start.sh", NULL},
    {"watchexec|--restart|--|node|a.js", 1, "", "", "", "through a shell"},
    {"env|PORT=8080|NODE_ENV=production|node|a.js", 1, "", "PORT=8080|NODE_ENV=production", "node|a.js", NULL},
    {"env|-i|PATH=/bin|node|a.js", 1, "env|-i|PATH=/bin", "", "node|a.js", NULL},
    {"env|-S|node a.js", 1, "", "", "", "env -S"},
    {"nice|-n|10|java|-jar|a.jar", 1, "nice|-n|10", "", "java|-jar|a.jar", NULL},
    {"exec|node|a.js", 1, "", "", "node|a.js", NULL},
    {"tini|--|env|A=1|nice|-n|5|node|a.js", 1, "tini|--|nice|-n|5", "A=1", "node|a.js", NULL},
    {"tini|-g", 1, "", "", "", "without a command"},
    {"node|a.js", 0, "", "", "", NULL},
};

static void test_see_through_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof wrappers / sizeof *wrappers; i++) {
        struct command_argv argv;
        argv_of(&argv, wrappers[i].argv);
        struct command_wrapped w;
        int seen = command_see_through(&argv, &w);
        char *prefix = show(&w.prefix, NULL), *env = show(&w.env, NULL), *inner = show(&w.inner, NULL);
        if (seen != wrappers[i].seen || strcmp(prefix, wrappers[i].prefix) != 0 ||
            strcmp(env, wrappers[i].env) != 0 || strcmp(inner, wrappers[i].inner) != 0 ||
            (wrappers[i].reason ? strstr(w.reason, wrappers[i].reason) == NULL : w.reason[0] != '\0'))
            fail_msg("[%zu] %s: seen %d prefix %s env %s inner %s reason '%s'", i,
                     wrappers[i].argv, seen, prefix, env, inner, w.reason);
        free(prefix);
        free(env);
        free(inner);
        command_wrapped_free(&w);
        command_argv_free(&argv);
    }
}

/* ---- package managers -------------------------------------------------- */

static const struct {
    const char *argv;
    enum command_pm pm;
    enum command_pm_action action;
    const char *script;
    size_t next;
} pms[] = {
    {"npm|start", COMMAND_PM_NPM, COMMAND_PM_RUN_SCRIPT, "start", 2},
    {"npm|run|dev|--|--port|3000", COMMAND_PM_NPM, COMMAND_PM_RUN_SCRIPT, "dev", 3},
    {"npm|--prefix|/workspace/api|run-script|serve", COMMAND_PM_NPM, COMMAND_PM_RUN_SCRIPT, "serve", 5},
    {"npm|ci", COMMAND_PM_NPM, COMMAND_PM_OTHER, NULL, 0},
    {"npm|exec|--|nodemon|a.js", COMMAND_PM_NPM, COMMAND_PM_EXEC, "nodemon", 4},
    {"/layers/node/bin/npm|t", COMMAND_PM_NPM, COMMAND_PM_RUN_SCRIPT, "test", 2},
    {"yarn|start", COMMAND_PM_YARN, COMMAND_PM_RUN_SCRIPT, "start", 2},
    {"yarn|dev", COMMAND_PM_YARN, COMMAND_PM_RUN_SCRIPT, "dev", 2},
    {"yarn|run|serve", COMMAND_PM_YARN, COMMAND_PM_RUN_SCRIPT, "serve", 3},
    {"yarn|node|server.js", COMMAND_PM_YARN, COMMAND_PM_NODE, "node", 2},
    {"yarn|dlx|serve", COMMAND_PM_YARN, COMMAND_PM_EXEC, "serve", 3},
    {"yarn|install", COMMAND_PM_YARN, COMMAND_PM_OTHER, NULL, 0},
    {"yarn", COMMAND_PM_YARN, COMMAND_PM_OTHER, NULL, 0},
    {"corepack|pnpm|start", COMMAND_PM_PNPM, COMMAND_PM_RUN_SCRIPT, "start", 3},
    {"pnpm|--filter|api|dev", COMMAND_PM_PNPM, COMMAND_PM_RUN_SCRIPT, "dev", 4},
    {"pnpm|exec|tsx|a.ts", COMMAND_PM_PNPM, COMMAND_PM_EXEC, "tsx", 3},
    {"npx|-y|-p|ts-node|ts-node|a.ts", COMMAND_PM_NPX, COMMAND_PM_EXEC, "ts-node", 5},
    {"node|a.js", COMMAND_PM_NONE, COMMAND_PM_OTHER, NULL, 0},
};

static void test_classify_pm_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pms / sizeof *pms; i++) {
        struct command_argv argv;
        argv_of(&argv, pms[i].argv);
        struct command_pm_run run;
        command_classify_pm(&argv, &run);
        if (run.pm != pms[i].pm || run.action != pms[i].action || run.next != pms[i].next ||
            (pms[i].script ? run.script == NULL || strcmp(run.script, pms[i].script) != 0
                           : run.script != NULL))
            fail_msg("[%zu] %s: pm %s action %d script %s next %zu", i, pms[i].argv,
                     command_pm_name(run.pm), run.action, run.script ? run.script : "(null)",
                     run.next);
        command_argv_free(&argv);
    }
}

/* ---- && chains --------------------------------------------------------- */

static const struct {
    const char *line;
    long app;
    const char *why; /* when app is -1 */
} chains[] = {
    {"npm run prestart && node server.js && npm run poststart", 1, NULL},
    {"cd /workspace/app && mkdir -p tmp && exec node server.js", 1, NULL},
    {"npm run build && npm start", 1, NULL},
    {"node migrate.js && node server.js", -1, "2 commands of the chain could be the app"},
    {"echo hi && true", -1, "no command of the chain looks like the app"},
};

static void test_chain_app_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof chains / sizeof *chains; i++) {
        struct command_line line;
        assert_int_equal(command_parse_line(chains[i].line, &line, NULL), 0);
        assert_string_equal(line.needs_shell, "");
        char why[512] = "";
        long app = command_chain_app(&line, why, sizeof why);
        if (app != chains[i].app || (chains[i].why && strstr(why, chains[i].why) == NULL))
            fail_msg("[%zu] %s: app %ld why '%s'", i, chains[i].line, app, why);
        command_line_free(&line);
    }
}

/* npm-start's start.sh (build.go: `cd DIR && PRESTART && START &&
 * POSTSTART` in the signal trampoline): the app is START's node. */
static void test_npm_start_script_chain(void **state)
{
    (void)state;
    char path[] = "/tmp/test_command_start.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *body = "trap 'kill -TERM $CPID' TERM\n"
                       "( cd /workspace/api && npm run prestart && node server.js --port=${PORT:-8080} "
                       "&& npm run poststart $@ ) &\n"
                       "CPID=\"$!\"\nwait $CPID\n";
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
    char *text = NULL;
    bool passes_args = false;
    assert_int_equal(command_script_line(path, &text, &passes_args, NULL), 0);
    assert_true(passes_args);
    struct command_line line;
    assert_int_equal(command_parse_line(text, &line, NULL), 0);
    assert_string_equal(line.needs_shell, "");
    assert_string_equal(line.workdir, "/workspace/api");
    char why[256] = "";
    long app = command_chain_app(&line, why, sizeof why);
    assert_int_equal(app, 1);
    char *words = show(&line.cmds[app].argv, line.cmds[app].flags);
    assert_string_equal(words, "node|server.js|S:--port=${PORT:-8080}");
    free(words);
    char *described = command_line_describe(&line, app);
    assert_string_equal(described, "cd /workspace/api && npm run prestart && "
                                   "[node server.js --port=${PORT:-8080}] && npm run poststart");
    free(described);
    command_line_free(&line);
    free(text);
    unlink(path);

    assert_int_equal(command_script_line("/nonexistent/start.sh", &text, &passes_args, NULL), 0);
    assert_null(text);
}

static void test_describe_marks_the_app(void **state)
{
    (void)state;
    struct command_line line;
    assert_int_equal(command_parse_line("cd '/my app' && npm run prestart && node s.js --port=$PORT",
                                        &line, NULL), 0);
    char *text = command_line_describe(&line, 1);
    assert_string_equal(text, "cd '/my app' && npm run prestart && [node s.js --port=$PORT]");
    free(text);
    command_line_free(&line);
}

/* ---- sh -c argv and API < 0.9 tokens ----------------------------------- */

static const struct {
    const char *argv;
    int rc;
    const char *words; /* last command, or the needs_shell substring after "!" */
} shell_argvs[] = {
    /* Heroku buildpacks-procfile: ["bash", "-c", LINE] */
    {"bash|-c|exec python3 app.py --port $PORT", 1, "python3|app.py|--port|S:$PORT"},
    {"/bin/sh|-ec|node server.js \"$@\"|sh|--flag|x y", 1, "node|server.js|--flag|x y"},
    {"sh|-c|node server.js $@ |sh|a", 1, "node|server.js|a"},
    {"/bin/bash|-c|exec python app.py --port 8080", 1, "python|app.py|--port|8080"},
    {"bash|-c|node a.js > log", 1, "!a redirection >"},
    {"bash|-c|node a.js & wait", 1, "!a background job &"},
    {"bash|-c|node \"$@\" x", 1, "!special parameter $@"},
    {"node|-c|x", 0, ""},
    {"bash|script.sh", 0, ""},
};

static void test_parse_shell_argv_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof shell_argvs / sizeof *shell_argvs; i++) {
        struct command_argv argv;
        argv_of(&argv, shell_argvs[i].argv);
        struct command_line line;
        int rc = command_parse_shell_argv(&argv, &line, NULL);
        assert_int_equal(rc, shell_argvs[i].rc);
        const char *want = shell_argvs[i].words;
        if (want[0] == '!') {
            if (strstr(line.needs_shell, want + 1) == NULL)
                fail_msg("[%zu] needs_shell '%s', want '%s'", i, line.needs_shell, want + 1);
        } else if (rc == 1) {
            assert_string_equal(line.needs_shell, "");
            const struct command_simple *last = &line.cmds[line.len - 1];
            char *words = show(&last->argv, last->flags);
            if (strcmp(words, want) != 0)
                fail_msg("[%zu] %s: %s, want %s", i, shell_argvs[i].argv, words, want);
            free(words);
        } else {
            assert_int_equal(line.len, 0);
        }
        command_line_free(&line);
        command_argv_free(&argv);
    }
}

static const struct {
    const char *token;
    int rc;
    const char *word; /* or the needs_shell substring */
    unsigned flags;
} tokens[] = {
    {"gunicorn", 0, "gunicorn", 0},
    {"--bind=0.0.0.0:$PORT", 0, "\"--bind=0.0.0.0:$PORT\"", COMMAND_WORD_EXPAND},
    {"a b", 0, "a b", 0}, /* one word: no field splitting inside the eval'd quotes */
    {"${WORKERS:-2}", 0, "\"${WORKERS:-2}\"", COMMAND_WORD_EXPAND},
    {"$(date)", 1, "command substitution", 0},
    {"say \"hi\"", 0, "say hi", 0}, /* eval echo "say "hi"": the quotes pair up */
    {"a\"b", 1, "unbalanced double quote", 0},
    {"a\"$X\"b", 1, "expansion outside the quotes", 0},
};

static void test_legacy_token_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++) {
        char *word = NULL;
        unsigned flags = 0;
        char needs[256] = "";
        int rc = command_legacy_token(tokens[i].token, &word, &flags, needs, sizeof needs);
        assert_int_equal(rc, tokens[i].rc);
        if (rc == 0) {
            assert_string_equal(word, tokens[i].word);
            assert_int_equal(flags, tokens[i].flags);
            if (flags & COMMAND_WORD_EXPAND) { /* a template expands to exactly one word */
                struct env_pair env[] = {{"PORT", "80 81"}, {NULL, NULL}};
                struct command_argv out = {0};
                assert_int_equal(command_expand_word(word, table_getenv, env, true, &out, NULL), 0);
                assert_int_equal(out.len, 1);
                command_argv_free(&out);
            }
        } else {
            assert_null(word);
            if (strstr(needs, tokens[i].word) == NULL)
                fail_msg("[%zu] needs '%s', want '%s'", i, needs, tokens[i].word);
        }
        free(word);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_line_table),
        cmocka_unit_test(test_parse_line_rejects_what_sh_rejects),
        cmocka_unit_test(test_parse_line_long_parameter_names),
        cmocka_unit_test(test_expand_word_table_matches_sh_and_bash),
        cmocka_unit_test(test_expand_random_words_match_sh_and_bash),
        cmocka_unit_test(test_expand_glob_from_value_matches_files),
        cmocka_unit_test(test_expand_assignment_value_is_one_string),
        cmocka_unit_test(test_marks_travel_to_launch),
        cmocka_unit_test(test_marks_parse_errors_name_the_variable),
        cmocka_unit_test(test_see_through_table),
        cmocka_unit_test(test_classify_pm_table),
        cmocka_unit_test(test_chain_app_table),
        cmocka_unit_test(test_describe_marks_the_app),
        cmocka_unit_test(test_npm_start_script_chain),
        cmocka_unit_test(test_parse_shell_argv_table),
        cmocka_unit_test(test_legacy_token_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
