package io.stellarrelay.poller;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("ServerStateQuery")
class ServerStateQueryTest {

    /** The names the statement's outer select list gives its columns, in order. */
    private static List<String> selectedLabels() {
        String sql = ServerStateQuery.SQL;
        String selectList = sql.substring(sql.lastIndexOf("SELECT "), sql.indexOf(" FROM servers"));
        List<String> labels = new ArrayList<>();
        Matcher m = Pattern.compile("\\bAS (\\w+)").matcher(selectList);
        while (m.find()) {
            labels.add(m.group(1));
        }
        return labels;
    }

    @Test
    @DisplayName("the statement names every column the row mapper reads, and nothing it does not read")
    void statementAndMapperAgree() {
        List<String> mapped = Arrays.stream(ServerStateQuery.Column.values()).map(c -> c.label).toList();
        assertEquals(mapped, selectedLabels());
    }
}
