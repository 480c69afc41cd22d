package io.gatehouse.core.internal.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Reads a YAML stream's events (SnakeYAML's parser, nothing is constructed) and refuses what the JSON data
 * model has no place for, before Jackson reads the stream and would silently misread it: aliases (Jackson
 * reads {@code *b} as the string "b"), anchors (only useful with aliases), explicit tags other than
 * {@code !!str} on a scalar, {@code !!map} on a mapping and {@code !!seq} on a sequence (Jackson ignores the
 * rest, so {@code !!python/object} or {@code !!int abc} would pass unnoticed), and keys that are not scalars.
 * Each finding has the document, the path inside it and the line and column. Syntax errors are reported
 * here too, in SnakeYAML's words without its stack of internals.
 */
final class YamlScreen {
    /** At most this many findings are reported. */
    static final int MAX_FINDINGS = 20;
    /** Deeper streams are not read further (a list document adds a level to the codec's limit). */
    static final int MAX_NESTING = ConfigCodec.MAX_DEPTH + 1;

    private static final String CORE = "tag:yaml.org,2002:";

    /** What a document's root node is; an empty or null document is skipped by the codec. */
    enum Root { EMPTY, MAPPING, SEQUENCE, SCALAR }

    /** One refused construct: document index, path inside the document ("" = its root), and why. */
    record Finding(int document, String path, String message) {
    }

    /** The outcome: one root per document of the stream, and the findings (empty when all is well). */
    record Result(List<Root> documents, List<Finding> findings) {
    }

    private final LoaderOptions options;

    YamlScreen(LoaderOptions options) {
        this.options = options;
    }

    Result screen(String text) {
        List<Root> documents = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        Deque<Frame> stack = new ArrayDeque<>();
        Parser parser = new ParserImpl(new StreamReader(text), options);
        try {
            while (parser.peekEvent() != null) {
                Event event = parser.getEvent();
                switch (event.getEventId()) {
                    case DocumentStart -> stack.clear();
                    case MappingEnd, SequenceEnd -> stack.pop();
                    case Scalar, Alias, MappingStart, SequenceStart -> {
                        String path = node((NodeEvent) event, stack, documents, findings);
                        if (path == null) {
                            return new Result(documents, findings);
                        }
                        if (event instanceof CollectionStartEvent) {
                            if (stack.size() >= MAX_NESTING) {
                                findings.add(finding(documents, path, event.getStartMark(),
                                        "is nested deeper than " + ConfigCodec.MAX_DEPTH + " levels"));
                                return new Result(documents, findings);
                            }
                            stack.push(new Frame(event instanceof MappingStartEvent, path));
                        }
                        if (findings.size() > MAX_FINDINGS) {
                            findings.subList(MAX_FINDINGS, findings.size()).clear();
                            findings.add(new Finding(documents.size() - 1, path, "more refused constructs follow"));
                            return new Result(documents, findings);
                        }
                    }
                    case StreamEnd -> {
                        return new Result(documents, findings);
                    }
                    default -> {
                    }
                }
            }
        } catch (MarkedYAMLException e) {
            findings.add(new Finding(Math.max(0, documents.size() - 1), "", syntax(e)));
        } catch (YAMLException e) {
            findings.add(new Finding(Math.max(0, documents.size() - 1), "",
                    "cannot be read: " + ParseMessages.clean(e.getMessage())));
        }
        return new Result(documents, findings);
    }

    /** Checks one node; returns its path, or null when scanning cannot go on (a key that is not a scalar). */
    private String node(NodeEvent event, Deque<Frame> stack, List<Root> documents, List<Finding> findings) {
        String path;
        Frame parent = stack.peek();
        if (parent == null) {
            documents.add(root(event));
            path = "";
        } else if (parent.mapping && parent.expectingKey) {
            if (!(event instanceof ScalarEvent key)) {
                findings.add(finding(documents, parent.path, event.getStartMark(),
                        "a mapping key must be a plain value, not a list, a mapping or an alias"));
                return null;
            }
            StringBuilder b = new StringBuilder(parent.path);
            SpecBinder.appendField(b, key.getValue());
            path = b.toString();
            parent.keyPath = path;
            parent.expectingKey = false;
        } else if (parent.mapping) {
            path = parent.keyPath;
            parent.expectingKey = true;
        } else {
            path = parent.path + "[" + parent.index++ + "]";
        }
        if (event instanceof AliasEvent alias) {
            findings.add(finding(documents, path, event.getStartMark(), "aliases (*" + alias.getAnchor()
                    + ") are not accepted: write the value out in full"));
            return path;
        }
        if (event.getAnchor() != null) {
            findings.add(finding(documents, path, event.getStartMark(), "anchors (&" + event.getAnchor()
                    + ") are not accepted: write each value out in full"));
        }
        String tag = event instanceof ScalarEvent s ? s.getTag()
                : event instanceof CollectionStartEvent c ? c.getTag() : null;
        if (tag != null && !allowed(event, tag)) {
            findings.add(finding(documents, path, event.getStartMark(), "the tag " + show(tag)
                    + " is not accepted (only !!str, !!map and !!seq are): write a plain value"));
        }
        return path;
    }

    private static Root root(NodeEvent event) {
        if (event instanceof MappingStartEvent) {
            return Root.MAPPING;
        }
        if (event instanceof SequenceStartEvent) {
            return Root.SEQUENCE;
        }
        if (event instanceof ScalarEvent s && (s.getValue().isEmpty()
                || s.isPlain() && s.getTag() == null && List.of("~", "null", "Null", "NULL").contains(s.getValue()))) {
            return Root.EMPTY;
        }
        return Root.SCALAR;
    }

    private static boolean allowed(NodeEvent event, String tag) {
        return event instanceof ScalarEvent && tag.equals(CORE + "str")
                || event instanceof MappingStartEvent && tag.equals(CORE + "map")
                || event instanceof SequenceStartEvent && tag.equals(CORE + "seq");
    }

    private static String show(String tag) {
        return tag.startsWith(CORE) ? "!!" + tag.substring(CORE.length()) : tag.startsWith("!") ? tag : "!<" + tag + ">";
    }

    private static Finding finding(List<Root> documents, String path, Mark mark, String message) {
        return new Finding(documents.size() - 1, path, at(mark) + message);
    }

    private static String at(Mark mark) {
        return mark == null ? "" : where(mark) + ": ";
    }

    private static String where(Mark mark) {
        return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    /** "syntax error at line L, column C: problem (context)", in SnakeYAML's words. */
    static String syntax(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        String problem = e.getProblem() == null ? "malformed YAML" : ParseMessages.clean(e.getProblem());
        String context = e.getContext() == null ? "" : " (" + ParseMessages.clean(e.getContext()) + ")";
        return "syntax error" + (mark == null ? "" : " at " + where(mark)) + ": " + problem + context;
    }

    /** A mapping or sequence being read. */
    private static final class Frame {
        final boolean mapping;
        final String path;
        boolean expectingKey = true;
        String keyPath;
        int index;

        Frame(boolean mapping, String path) {
            this.mapping = mapping;
            this.path = path;
        }
    }
}
