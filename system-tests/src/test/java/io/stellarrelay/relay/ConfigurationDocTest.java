package io.stellarrelay.relay;

import io.stellarrelay.config.Logging;
import io.stellarrelay.config.SharedSettings;
import io.stellarrelay.docs.ProjectDocs;
import io.stellarrelay.poller.PollerConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every environment variable the services read has a row in the tables of docs/configuration.md. */
class ConfigurationDocTest {

    private static List<String> variables(Class<?> type) throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        for (Field f : type.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && f.getType() == String.class) {
                String value = (String) f.get(null);
                if (value.matches("[A-Z][A-Z0-9_]+") && f.getName().equals(value)) {
                    names.add(value);
                }
            }
        }
        return names;
    }

    @Test
    @DisplayName("docs/configuration.md documents every configuration variable of relay and poller")
    void everyVariableIsDocumented() throws Exception {
        String page = ProjectDocs.read("docs/configuration.md");
        List<String> missing = new ArrayList<>();
        List<String> all = new ArrayList<>();
        all.addAll(variables(RelayConfig.class));
        all.addAll(variables(SharedSettings.class));
        all.addAll(variables(PollerConfig.class));
        all.add(Logging.LOG_LEVEL);
        org.junit.jupiter.api.Assertions.assertTrue(all.size() > 20, "found the variables: " + all);
        for (String name : all) {
            if (!page.contains("| `" + name + "` |")) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing, "variables without a row in the tables of docs/configuration.md");
    }
}
