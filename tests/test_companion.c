/* companion (cnbdebug/debug-flags): which env.build variables it writes for
 * Go and .NET, merged with the user's flags, and when it must leave them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "companion/flags.h"

static const char *const gcflags[] = {"-gcflags", "--gcflags", NULL};
static const char *const configuration[] = {"--configuration", "-c", NULL};

static void test_has_flag_words_and_quotes(void **state)
{
    (void)state;
    assert_true(companion_has_flag("-gcflags=-m", gcflags));
    assert_true(companion_has_flag("-ldflags=-s -gcflags all=-N", gcflags));
    assert_true(companion_has_flag("\"-gcflags=all=-N -l\"", gcflags));
    assert_true(companion_has_flag("--gcflags='all=-N -l'", gcflags));
    /* Inside another flag's quoted value it is not a word of its own. */
    assert_false(companion_has_flag("-ldflags=\"-X main.v=1 -gcflags\"", gcflags));
    assert_false(companion_has_flag("-gcflagsx", gcflags));
    assert_false(companion_has_flag("", gcflags));
    assert_false(companion_has_flag(NULL, gcflags));
    assert_true(companion_has_flag("-c Release", configuration));
    assert_true(companion_has_flag("-c:Release", configuration));
    assert_true(companion_has_flag("--configuration=Release", configuration));
    /* -clp is MSBuild's console logger switch, not a configuration. */
    assert_false(companion_has_flag("-clp:NoSummary", configuration));
    assert_true(companion_has_flag("a\\ b -c X", configuration));
}

static void test_go_unset(void **state)
{
    (void)state;
    struct companion_input flags = {NULL, false}, goflags = {NULL, false};
    struct companion_action a;
    companion_plan_go(&flags, &goflags, &a);
    assert_string_equal(a.var, "BP_GO_BUILD_FLAGS");
    assert_string_equal(a.value, "-gcflags=\"all=-N -l\"");
    assert_false(a.warning);
    companion_action_free(&a);
}

static void test_go_merged_after_builder_env(void **state)
{
    (void)state;
    struct companion_input flags = {"-ldflags='-X main.v=1' -tags netgo", false}, goflags = {NULL, false};
    struct companion_action a;
    companion_plan_go(&flags, &goflags, &a);
    assert_string_equal(a.var, "BP_GO_BUILD_FLAGS");
    assert_string_equal(a.value, "-ldflags='-X main.v=1' -tags netgo -gcflags=\"all=-N -l\"");
    assert_non_null(strstr(a.message, "after the flags already set"));
    companion_action_free(&a);
}

static void test_go_user_gcflags_kept(void **state)
{
    (void)state;
    struct companion_input flags = {"-gcflags=-m", true}, goflags = {NULL, false};
    struct companion_action a;
    companion_plan_go(&flags, &goflags, &a);
    assert_null(a.var);
    assert_null(a.value);
    assert_non_null(strstr(a.message, "kept as it is"));
    companion_action_free(&a);
}

static void test_go_platform_flags_use_goflags(void **state)
{
    (void)state;
    struct companion_input flags = {"-ldflags=-s", true}, goflags = {"-mod=vendor", false};
    struct companion_action a;
    companion_plan_go(&flags, &goflags, &a);
    assert_string_equal(a.var, "GOFLAGS");
    assert_string_equal(a.value, "-mod=vendor \"-gcflags=all=-N -l\"");
    companion_action_free(&a);

    struct companion_input goflags_gc = {"-gcflags=-B", false};
    companion_plan_go(&flags, &goflags_gc, &a);
    assert_null(a.var);
    companion_action_free(&a);

    struct companion_input goflags_platform = {"-mod=mod", true};
    companion_plan_go(&flags, &goflags_platform, &a);
    assert_null(a.var);
    assert_true(a.warning);
    assert_non_null(strstr(a.message, "-gcflags=\"all=-N -l\""));
    companion_action_free(&a);
}

static void test_dotnet(void **state)
{
    (void)state;
    struct companion_action a;
    struct companion_input unset = {NULL, false};
    companion_plan_dotnet(&unset, &a);
    assert_string_equal(a.var, "BP_DOTNET_PUBLISH_FLAGS");
    assert_string_equal(a.value, "--configuration Debug");
    companion_action_free(&a);

    struct companion_input other = {"--verbosity=normal", false};
    companion_plan_dotnet(&other, &a);
    assert_string_equal(a.value, "--verbosity=normal --configuration Debug");
    companion_action_free(&a);

    struct companion_input chosen = {"-c Release", true};
    companion_plan_dotnet(&chosen, &a);
    assert_null(a.var);
    assert_false(a.warning);
    companion_action_free(&a);

    struct companion_input platform = {"--verbosity=normal", true};
    companion_plan_dotnet(&platform, &a);
    assert_null(a.var);
    assert_true(a.warning);
    companion_action_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_has_flag_words_and_quotes),
        cmocka_unit_test(test_go_unset),
        cmocka_unit_test(test_go_merged_after_builder_env),
        cmocka_unit_test(test_go_user_gcflags_kept),
        cmocka_unit_test(test_go_platform_flags_use_goflags),
        cmocka_unit_test(test_dotnet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
