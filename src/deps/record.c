/* What a layer records about the dependencies in it: the [metadata] that
 * decides reuse, and the CycloneDX SBOM the lifecycle puts in the image. */
#include "deps/internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "toml/toml.h"

#ifndef BP_VERSION
#define BP_VERSION "0.0.0"
#endif

static void set_string(struct toml_value *t, const char *key, const char *value)
{
    if (value != NULL)
        toml_table_set(t, key, toml_new_string(value));
}

struct toml_value *deps_layer_metadata(const struct deps_dependency *const *deps, size_t n)
{
    struct toml_value *root = toml_new_table();
    struct toml_value *list = toml_new_array();
    for (size_t i = 0; i < n; i++) {
        struct toml_value *item = toml_new_table();
        set_string(item, "id", deps[i]->id);
        set_string(item, "name", deps[i]->name);
        set_string(item, "version", deps[i]->version);
        set_string(item, "sha256", deps[i]->sha256);
        toml_array_push(list, item);
    }
    toml_table_set(root, "dependencies", list);
    return root;
}

/* Only well-known SPDX ids go in license.id; anything else (Proprietary,
 * a free-text name) goes in license.name, which CycloneDX allows. */
static bool is_spdx_id(const char *s)
{
    static const char *const ids[] = {
        "MIT",          "Apache-2.0",   "BSD-2-Clause", "BSD-3-Clause", "ISC",
        "MPL-2.0",      "EPL-1.0",      "EPL-2.0",      "GPL-2.0-only", "GPL-3.0-only",
        "LGPL-2.1-only", "LGPL-3.0-only", "Python-2.0", "PSF-2.0",    "Unlicense",
        "Zlib",         "0BSD",         "BSL-1.0",
    };
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        if (strcmp(s, ids[i]) == 0)
            return true;
    return false;
}

static int put(json_t *obj, const char *key, json_t *value)
{
    return value == NULL ? -1 : json_object_set_new(obj, key, value);
}

static json_t *component(const struct deps_dependency *d)
{
    char ref[1024];
    if (d->purl != NULL)
        snprintf(ref, sizeof ref, "%s", d->purl);
    else
        snprintf(ref, sizeof ref, "%s@%s", d->id, d->version);
    /* Wheels are libraries imported by the app; the rest are programs. */
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:[{s:s, s:s}]}",
                          "type", d->python_tag ? "library" : "application",
                          "bom-ref", ref,
                          "name", d->name ? d->name : d->id,
                          "version", d->version,
                          "hashes", "alg", "SHA-256", "content", d->sha256,
                          "externalReferences", "type", "distribution", "url", d->uri);
    if (c == NULL)
        return NULL;
    int rc = 0;
    if (d->purl != NULL)
        rc |= put(c, "purl", json_string(d->purl));
    if (d->n_cpes > 0)
        rc |= put(c, "cpe", json_string(d->cpes[0]));
    if (d->source != NULL)
        rc |= json_array_append_new(json_object_get(c, "externalReferences"),
                                    json_pack("{s:s, s:s}", "type", "vcs", "url", d->source));
    if (d->n_licenses > 0) {
        json_t *licenses = json_array();
        for (size_t i = 0; licenses != NULL && i < d->n_licenses; i++) {
            const struct deps_license *l = &d->licenses[i];
            json_t *lic = json_object();
            if (lic != NULL && l->type != NULL)
                rc |= put(lic, is_spdx_id(l->type) ? "id" : "name", json_string(l->type));
            else if (lic != NULL)
                rc |= put(lic, "name", json_string("see url"));
            if (lic != NULL && l->uri != NULL)
                rc |= put(lic, "url", json_string(l->uri));
            rc |= json_array_append_new(licenses, json_pack("{s:o}", "license", lic));
        }
        rc |= put(c, "licenses", licenses);
    }
    if (rc != 0) {
        json_decref(c);
        return NULL;
    }
    return c;
}

int deps_write_sbom(const char *layers_dir, const char *layer_name,
                    const struct deps_dependency *const *deps, size_t n, struct bp_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s.sbom.cdx.json", layers_dir, layer_name) >=
        (int)sizeof path)
        return error_set(err, "%s/%s.sbom.cdx.json: path too long", layers_dir, layer_name);
    json_t *doc = json_object(), *meta = json_object(), *tools = json_array(),
           *tool = json_object(), *components = json_array();
    if (doc == NULL || meta == NULL || tools == NULL || tool == NULL || components == NULL)
        xalloc_die();
    int bad = 0;
    bad |= put(doc, "bomFormat", json_string("CycloneDX"));
    bad |= put(doc, "specVersion", json_string("1.4"));
    bad |= put(doc, "version", json_integer(1));
    bad |= put(tool, "vendor", json_string("cnbdebug"));
    bad |= put(tool, "name", json_string("cnbdebug/debug"));
    bad |= put(tool, "version", json_string(BP_VERSION));
    bad |= json_array_append_new(tools, tool);
    bad |= put(meta, "tools", tools);
    bad |= put(doc, "metadata", meta);
    for (size_t i = 0; i < n; i++)
        bad |= json_array_append_new(components, component(deps[i]));
    bad |= put(doc, "components", components);
    /* Every string here came through the TOML parser, which refuses
     * invalid UTF-8, so jansson can fail only for memory. */
    if (bad != 0)
        xalloc_die();
    char *dumped = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (dumped == NULL)
        xalloc_die();
    /* A trailing newline, as every other file the buildpack writes has. */
    char *text = xasprintf("%s\n", dumped);
    free(dumped);
    int rc = file_write_atomic(path, text, strlen(text), 0644, err);
    free(text);
    json_decref(doc);
    return rc;
}
