package dev.lfsfarm.common.input;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.base.ParserBase;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML or JSON file into a {@link Node} tree that remembers lines and columns.
 *
 * <p>Jackson's streaming parsers do the parsing (SnakeYAML underneath for YAML); this class only
 * records where each value stood. Duplicate keys are reported, not silently overwritten.
 */
public final class DocumentReader {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final YAMLFactory YAML = YAMLFactory.builder().build();

    private final ErrorCollector errors;

    public DocumentReader(ErrorCollector errors) {
        this.errors = errors;
    }

    /** Reads a YAML file. Returns null (and records an error) when the file cannot be parsed. */
    public Node readYaml(Path file) {
        return read(file, YAML);
    }

    /** Reads a JSON file. Returns null (and records an error) when the file cannot be parsed. */
    public Node readJson(Path file) {
        return read(file, JSON);
    }

    private Node read(Path file, JsonFactory factory) {
        try (InputStream in = Files.newInputStream(file);
                JsonParser parser = factory.createParser(in)) {
            if (parser.nextToken() == null) {
                errors.add(Location.of(file), "", "the file is empty");
                return null;
            }
            Node document = readValue(parser, file);
            if (parser.nextToken() != null) {
                errors.add(
                        tokenLocation(parser, file),
                        "",
                        "unexpected content after the end of the document"
                                + " (a second document, or lines indented less than the block they belong to)");
                return null;
            }
            return document;
        } catch (NoSuchFileException e) {
            errors.add(Location.of(file), "", "no such file");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            Location where = at == null ? Location.of(file) : locate(file, at);
            // SnakeYAML's messages span lines; an error is one line
            errors.add(
                    where,
                    "",
                    "cannot parse: "
                            + e.getOriginalMessage().replaceAll("\\s+", " ").trim());
        } catch (IOException e) {
            errors.add(Location.of(file), "", "cannot read: " + e.getMessage());
        }
        return null;
    }

    private Node readValue(JsonParser parser, Path file) throws IOException {
        Location here = tokenLocation(parser, file);
        JsonToken token = parser.currentToken();
        return switch (token) {
            case START_OBJECT -> readMap(parser, file, here);
            case START_ARRAY -> readList(parser, file, here);
            case VALUE_STRING -> new ScalarNode(here, ScalarNode.Type.STRING, parser.getText());
            case VALUE_NUMBER_INT -> new ScalarNode(here, ScalarNode.Type.INTEGER, parser.getText());
            case VALUE_NUMBER_FLOAT -> new ScalarNode(here, ScalarNode.Type.DECIMAL, parser.getText());
            case VALUE_TRUE, VALUE_FALSE -> new ScalarNode(here, ScalarNode.Type.BOOLEAN, parser.getText());
            case VALUE_NULL -> new ScalarNode(here, ScalarNode.Type.NULL, "");
            default -> throw new IllegalStateException("unexpected token " + token + " at " + here);
        };
    }

    private MapNode readMap(JsonParser parser, Path file, Location here) throws IOException {
        Map<String, MapNode.Entry> entries = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            Location keyLocation = tokenLocation(parser, file);
            parser.nextToken();
            Node value = readValue(parser, file);
            MapNode.Entry previous = entries.get(key);
            if (previous != null) {
                errors.add(
                        keyLocation,
                        key,
                        "duplicate key (first given at line "
                                + previous.keyLocation().line() + ")");
                continue;
            }
            entries.put(key, new MapNode.Entry(key, keyLocation, value));
        }
        return new MapNode(here, entries);
    }

    private ListNode readList(JsonParser parser, Path file, Location here) throws IOException {
        List<Node> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            items.add(readValue(parser, file));
        }
        return new ListNode(here, items);
    }

    /** The current token's position without allocating a JsonLocation (a hot spot on large graph files). */
    private static Location tokenLocation(JsonParser parser, Path file) {
        if (parser instanceof ParserBase base && !(parser instanceof YAMLParser)) {
            // ParserBase counts the token column one further than JsonLocation does
            return new Location(file, Math.max(base.getTokenLineNr(), 0), Math.max(base.getTokenColumnNr() - 1, 0));
        }
        return locate(file, parser.currentTokenLocation());
    }

    private static Location locate(Path file, JsonLocation at) {
        return new Location(file, Math.max(at.getLineNr(), 0), Math.max(at.getColumnNr(), 0));
    }
}
