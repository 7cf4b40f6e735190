package io.stellarrelay.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** The Compose Specification's JSON schema (vendored: see compose-spec/README.md in the test resources). */
final class ComposeSchema {
    private static final Schema SCHEMA = load();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ComposeSchema() {}

    private static Schema load() {
        try (InputStream in = ComposeSchema.class.getResourceAsStream("/compose-spec/compose_spec.json")) {
            if (in == null) {
                throw new IllegalStateException("compose-spec/compose_spec.json is not on the test class path");
            }
            // Draft 2019-09, as the file declares, but with its draft-4 style "id" members read as the
            // plain annotations they are (the validator otherwise refuses to load the schema).
            Dialect dialect = Dialect.builder(Dialects.getDraft201909()).keyword(new NonValidationKeyword("id")).build();
            return SchemaRegistry.withDefaultDialect(dialect).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each violation as "location: message"; empty when the model is valid. */
    static List<String> violations(Map<String, Object> model) {
        List<Error> errors = SCHEMA.validate(JSON.valueToTree(model));
        return errors.stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
    }
}
