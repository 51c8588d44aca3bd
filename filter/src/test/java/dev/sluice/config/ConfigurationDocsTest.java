package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Holds {@code docs/configuration.md} to {@link Keys}: every key is documented with its default
 * and values, and every documented key exists. The reference's key tables have the columns
 * {@code key | default | values | meaning}; a key is written in full, or without the prefix of
 * the section whose heading names its scope (as {@code sluice.upstream.<name>.*}).
 */
class ConfigurationDocsTest {
    private static final Path REFERENCE = Path.of("..", "docs", "configuration.md");
    private static final String KEY_TABLE = "| key | default | values | meaning |";
    private static final Pattern SCOPE = Pattern.compile("^## .*`(sluice\\.(?:route|upstream)\\.<name>\\.|sluice\\.)\\*`");

    /** One row of a key table. */
    private record Row(String defaultText, String values, String meaning) {
    }

    /** The documented rows by full key, e.g. {@code sluice.upstream.<name>.timeout}. */
    private static Map<String, Row> documented() throws IOException {
        Map<String, Row> rows = new LinkedHashMap<>();
        String scope = null;
        boolean inKeyTable = false;
        for (String line : Files.readAllLines(REFERENCE)) {
            Matcher heading = SCOPE.matcher(line);
            if (heading.find()) {
                scope = heading.group(1);
            } else if (line.startsWith("## ")) {
                scope = null;
            }
            if (line.equals(KEY_TABLE)) {
                inKeyTable = true;
            } else if (!line.startsWith("|")) {
                inKeyTable = false;
            } else if (inKeyTable && !line.startsWith("|---")) {
                String[] cells = line.substring(1, line.length() - 1).split(" \\| ", -1);
                assertEquals(4, cells.length, "a key table row has four cells: " + line);
                String key = cells[0].trim().replace("`", "");
                if (!key.startsWith("sluice.")) {
                    assertTrue(scope != null, key + " is written without its scope outside a section that names one");
                    key = scope + key;
                }
                rows.put(key, new Row(cells[1].trim(), cells[2].trim(), cells[3].trim()));
            }
        }
        return rows;
    }

    /** The default as the reference writes it: a value in code type, a rule in words. */
    private static String documentedDefault(Key key) {
        return key.literalDefault() != null ? "`" + key.defaultText() + "`" : key.defaultText();
    }

    @Test
    void everyKeyIsDocumentedWithItsDefaultValuesAndMeaning() throws IOException {
        Map<String, Row> rows = documented();
        List<String> wrong = new ArrayList<>();
        for (Key key : Keys.all()) {
            Row row = rows.get(key.toString());
            if (row == null || !row.defaultText().equals(documentedDefault(key)) || !row.values().equals(key.values())
                    || !row.meaning().startsWith(key.meaning())) {
                wrong.add("| `" + key.name() + "` | " + documentedDefault(key) + " | " + key.values() + " | " + key.meaning()
                        + (row == null ? " |   (missing)" : " |   (documented: " + row + ")"));
            }
        }
        assertTrue(wrong.isEmpty(), "docs/configuration.md should have these rows:\n" + String.join("\n", wrong));
    }

    @Test
    void everyDocumentedKeyExists() throws IOException {
        List<String> known = Keys.all().stream().map(Key::toString).toList();
        List<String> unknown = documented().keySet().stream().filter(k -> !known.contains(k)).toList();
        assertTrue(unknown.isEmpty(), "docs/configuration.md documents keys Sluice does not know: " + unknown);
    }

    @Test
    void theReferenceHasKeyTablesForEveryScope() throws IOException {
        Map<String, Row> rows = documented();
        for (Key.Scope scope : Key.Scope.values()) {
            assertTrue(rows.keySet().stream().anyMatch(k -> k.startsWith(scope.pattern())
                    && Keys.of(scope).stream().anyMatch(key -> key.toString().equals(k))), "no documented key of " + scope);
        }
    }
}
