package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The web console in a real headless Chromium against a real Gatehouse process: log in (a wrong token is
 * refused), see the overview, type an object with an error and see the error inline with its path (and
 * refused on apply), type a valid one and apply it, see it listed, see the diff of a change before applying
 * it, watch a pipeline's chart move under generated traffic, and find the writes under "Recent writes".
 * Screenshots of each step are saved in {@code target/console-screenshots/}; the browser's console must stay
 * free of errors (a script refused by the Content-Security-Policy, a failed module load, an exception).
 */
public class ConsoleIT {
    private final Http http = new Http(Duration.ofSeconds(30));

    @Test
    public void anOperatorUsesTheConsole() throws Exception {
        Path target = Paths.get(System.getProperty("project.build.directory", "target"));
        int adminPort = Ports.free();
        int port = Ports.free();
        String base = "http://127.0.0.1:" + adminPort;
        ExecutorService traffic = Executors.newSingleThreadExecutor();
        AtomicBoolean generating = new AtomicBoolean(true);
        try (KarafProcess karaf = KarafProcess.unpack(target.resolve("console-it-" + System.nanoTime()), adminPort)) {
            karaf.setProperty("etc/io.gatehouse.core.cfg", "defaults", "none");
            karaf.start();
            await().atMost(180, SECONDS).until(() -> http.writable(base));

            try (Browser browser = new Browser(target.resolve("console-screenshots"))) {
                // 1. log in: the static page needs no token, its data does
                browser.open(base + "/");
                browser.await("the login form", 30, d -> d.findElement(By.id("login")).isDisplayed());
                browser.screenshot("login");
                browser.find(By.id("login-token")).sendKeys("gh_this-is-not-the-token-of-this-node-0123");
                browser.find(By.id("login-submit")).click();
                browser.await("a wrong token is refused", 15, d -> browser.text(By.id("login-error"))
                        .contains("not valid"));
                browser.find(By.id("login-token")).clear();
                browser.find(By.id("login-token")).sendKeys(Http.TOKEN, Keys.ENTER);

                // 2. the overview: this node, its group with its one member
                browser.await("the overview names the node's role", 30, d -> browser.text(By.id("node-role"))
                        .equals("voter"));
                browser.await("the member table lists the node with no lag", 30, d -> !d.findElements(
                        By.cssSelector("#members tr[data-member] td[data-lag='0']")).isEmpty());
                assertTrue(browser.text(By.id("node-name")).startsWith("node"));
                browser.screenshot("overview");

                // 3. an object with an error: shown inline as it is typed, with its path; refused on apply
                browser.open(base + "/console/#/edit");
                WebElement text = browser.await("the editor", 15, d -> d.findElement(By.id("editor-text")));
                type(text, """
                        kind: HTTPServer
                        name: console
                        spec:
                          address: 127.0.0.1
                          port: 70000
                          rules:
                            - pipeline: console-hello
                        """);
                browser.await("the port's error is shown inline", 15, d -> !d.findElements(
                        By.cssSelector("#editor-problems li[data-path='$.spec.port']")).isEmpty());
                browser.screenshot("editor-invalid");
                browser.find(By.id("editor-apply")).click();
                browser.await("apply is refused", 15, d -> browser.text(By.id("editor-state")).equals("refused"));
                assertTrue(browser.text(By.id("editor-problems")), browser.text(By.id("editor-problems"))
                        .contains("$.spec.port"));
                assertEquals(404, http.get(base + "/api/v1/objects/HTTPServer/console").statusCode());

                // 4. a valid one: the plan says what applying would do; applied, then listed
                type(text, """
                        kind: Pipeline
                        name: console-hello
                        spec:
                          plugins:
                            - name: hello
                              kind: mock
                              spec:
                                body: "hello from the console"
                        ---
                        kind: HTTPServer
                        name: console
                        spec:
                          address: 127.0.0.1
                          port: %d
                          rules:
                            - pipeline: console-hello
                        """.formatted(port));
                browser.await("the plan says both would be created", 15, d -> d.findElements(
                        By.cssSelector("#editor-plan li[data-change='created']")).size() == 2);
                browser.find(By.id("editor-apply")).click();
                browser.await("both are applied", 30, d -> d.findElements(By.cssSelector("#editor-result li")).size() == 2);
                assertTrue(browser.text(By.id("editor-result")), browser.text(By.id("editor-result"))
                        .contains("Pipeline console-hello: created"));
                browser.screenshot("editor-applied");
                assertEquals(200, http.get(base + "/api/v1/objects/Pipeline/console-hello").statusCode());
                browser.open(base + "/console/#/objects");
                browser.await("the objects page lists them", 15, d -> !d.findElements(
                        By.cssSelector("#objects tr[data-object='Pipeline/console-hello']")).isEmpty()
                        && !d.findElements(By.cssSelector("#objects tr[data-object='HTTPServer/console']")).isEmpty());
                browser.screenshot("objects");
                String hello = "http://127.0.0.1:" + port + "/";
                await().atMost(30, SECONDS).until(() -> http.status(hello) == 200);

                // 5. a change shows its diff before it is applied
                browser.open(base + "/console/#/edit/Pipeline/console-hello");
                browser.await("the pipeline is loaded as YAML", 15, d -> d.findElement(By.id("editor-text"))
                        .getAttribute("value").contains("hello from the console"));
                type(text = browser.find(By.id("editor-text")), """
                        kind: Pipeline
                        name: console-hello
                        spec:
                          plugins:
                            - name: hello
                              kind: mock
                              spec:
                                body: "hello again"
                        """);
                browser.await("the plan shows the change as a diff", 15, d -> !d.findElements(
                        By.cssSelector("#editor-plan li[data-change='updated'] pre.diff span.add")).isEmpty());
                String diff = browser.text(By.cssSelector("#editor-plan pre.diff"));
                assertTrue(diff, diff.contains("- ") && diff.contains("hello from the console")
                        && diff.contains("+ ") && diff.contains("hello again"));
                browser.screenshot("editor-diff");
                assertTrue("nothing is applied before Apply", http.get(hello).body().contains("hello from the console"));
                browser.find(By.id("editor-apply")).click();
                browser.await("the change is applied", 30, d -> browser.text(By.id("editor-result"))
                        .contains("console-hello: updated"));
                await().atMost(30, SECONDS).until(() -> http.get(hello).body().contains("hello again"));

                // 6. the pipeline's chart moves under traffic
                AtomicInteger sent = new AtomicInteger();
                Future<?> load = traffic.submit(() -> {
                    // bounded: at most 5 minutes of requests, stopped as soon as the chart moved
                    long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                    while (generating.get() && System.nanoTime() < end) {
                        if (http.status(hello) == 200) {
                            sent.incrementAndGet();
                        }
                    }
                    return null;
                });
                browser.open(base + "/console/#/pipelines/console-hello");
                browser.await("the requests chart shows traffic", 60, d -> {
                    List<WebElement> now = d.findElements(By.id("rps-now"));
                    return !now.isEmpty() && Double.parseDouble(now.get(0).getAttribute("data-rps")) > 1
                            && Integer.parseInt(d.findElement(By.id("chart-rps")).getAttribute("data-points")) >= 2
                            && !d.findElements(By.cssSelector("#chart-rps canvas")).isEmpty();
                });
                browser.await("the status chart counts the 2xx", 30, d -> d.findElement(By.id("chart-status"))
                        .getAttribute("data-last").matches(".*\"2xx\":[1-9].*"));
                browser.screenshot("pipeline-chart");
                generating.set(false);
                load.get(30, SECONDS);
                assertTrue(sent.get() > 0);

                // 7. the other pages: servers with their rules, kinds, recent writes
                browser.open(base + "/console/#/servers");
                browser.await("the server and its rule", 15, d -> browser.text(By.cssSelector(
                        "#servers section[data-server='console']")).contains("console-hello"));
                browser.open(base + "/console/#/kinds");
                browser.await("the mock kind used by the pipeline", 15, d -> browser.text(By.id("kinds"))
                        .contains("console-hello/hello"));
                browser.await("the kinds of every node, this one's included", 15, d -> !d.findElements(By.cssSelector(
                        "#kinds-per-node tr[data-everywhere='true'] td.yes")).isEmpty()
                        && browser.text(By.id("kinds-per-node")).contains("mock 0.1.0.SNAPSHOT"));
                browser.screenshot("kinds");
                browser.open(base + "/console/#/audit");
                browser.await("the writes, newest first", 15, d -> d.findElements(By.cssSelector("#audit tbody tr"))
                        .size() >= 3);
                String audit = browser.text(By.id("audit"));
                assertTrue(audit, audit.contains("POST /api/v1/apply") && audit.contains("bootstrap")
                        && audit.contains("Pipeline/console-hello r") && audit.contains("400"));
                browser.screenshot("audit");

                // 8. logging out forgets the token
                browser.find(By.id("logout")).click();
                browser.await("the login form again", 15, d -> d.findElement(By.id("login")).isDisplayed());
                browser.open(base + "/console/#/objects");
                browser.await("still logged out after a reload", 15, d -> d.findElement(By.id("login")).isDisplayed());

                // Chromium logs every HTTP error status as a failed load: the API's expected 400s are not errors
                List<String> errors = browser.console().stream().filter(l -> l.startsWith("SEVERE"))
                        .filter(l -> !l.matches("SEVERE \\S+/api/v1/(validate|apply) - Failed to load resource: the"
                                + " server responded with a status of 400 .*"))
                        .toList();
                assertEquals("errors in the browser's console", List.of(), errors);
            }
        } finally {
            generating.set(false);
            traffic.shutdownNow();
            assertTrue(traffic.awaitTermination(30, SECONDS));
        }
    }

    /** Replaces the text area's content as a user would: select all, then type (each key fires an input event). */
    private static void type(WebElement area, String text) {
        area.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        area.sendKeys(text);
    }
}
