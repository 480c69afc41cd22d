package io.gatehouse.itests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.PageLoadStrategy;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver (Selenium never downloads a driver or a browser:
 * the driver's path is given, which skips Selenium Manager). The browser resolves no host name (only
 * 127.0.0.1 is reachable), keeps its profile and caches in a temporary folder, and is quit on {@link #close}.
 * Screenshots go to {@code target/console-screenshots/}; the browser's console log is kept to be checked.
 */
final class Browser implements AutoCloseable {
    /** The real binary: {@code /usr/bin/chromium} is a wrapper script that adds flags of its own. */
    private static final String CHROMIUM = System.getProperty("chromium.binary", "/usr/lib/chromium/chromium");
    private static final String DRIVER = System.getProperty("chromedriver.binary", "/usr/bin/chromedriver");

    private final Path profile;
    private final Path screenshots;
    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final List<String> console = new ArrayList<>();
    private int shots;

    Browser(Path screenshots) throws IOException {
        for (String binary : List.of(CHROMIUM, DRIVER)) {
            if (!Files.isExecutable(Path.of(binary))) {
                throw new IllegalStateException(binary + " is missing: the console's browser tests need Debian's chromium"
                        + " and chromium-driver packages (apt-get install chromium chromium-driver; .ci/run installs"
                        + " them)");
            }
        }
        this.screenshots = screenshots;
        Files.createDirectories(screenshots);
        try (Stream<Path> old = Files.list(screenshots)) {
            // the screenshots of this run only
            for (Path p : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(p);
            }
        }
        profile = Files.createTempDirectory("gatehouse-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--no-default-browser-check", "--disable-quic", "--disable-extensions", "--window-size=1400,1000",
                "--user-data-dir=" + profile.toAbsolutePath(),
                // no name is resolved: nothing leaves the machine, and nothing waits for a DNS answer
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--disable-features=NetworkTimeServiceQuerying");
        options.setPageLoadStrategy(PageLoadStrategy.NORMAL);
        options.setPageLoadTimeout(Duration.ofSeconds(30));
        options.setScriptTimeout(Duration.ofSeconds(30));
        options.setImplicitWaitTimeout(Duration.ZERO);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(DRIVER))
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(30))
                .withLogFile(screenshots.resolve("chromedriver.log").toFile())
                .withEnvironment(Map.of("XDG_CONFIG_HOME", profile.resolve("xdg-config").toString(),
                        "XDG_CACHE_HOME", profile.resolve("xdg-cache").toString()))
                .build();
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            if (service.isRunning()) {
                service.stop();
            }
            deleteProfile();
            throw e;
        }
    }

    WebDriver driver() {
        return driver;
    }

    void open(String url) {
        driver.get(url);
    }

    /** Waits (at most {@code seconds}) for {@code condition} to answer something other than null or false. */
    <T> T await(String what, int seconds, java.util.function.Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100))
                .withMessage(() -> what + "; page text:\n" + text(By.tagName("body")) + "\nbrowser console: " + console())
                .until(condition);
    }

    /** The element's visible text, or "" when it is not there. */
    String text(By by) {
        List<WebElement> found = driver.findElements(by);
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    WebElement find(By by) {
        return driver.findElement(by);
    }

    /** Saves a PNG of the page as {@code NN-name.png}. */
    Path screenshot(String name) throws IOException {
        Path file = screenshots.resolve(String.format("%02d-%s.png", ++shots, name));
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    /** Every line the page's console printed so far (errors, CSP refusals, failed loads). */
    List<String> console() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            console.add(e.getLevel() + " " + e.getMessage());
        }
        return List.copyOf(console);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            if (service.isRunning()) {
                service.stop();
            }
            deleteProfile();
        }
    }

    /** Best effort: a browser child still exiting may write a last file; the folder is a temporary one. */
    private void deleteProfile() {
        try (Stream<Path> files = Files.walk(profile)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("Browser: could not delete " + profile + ": " + e);
        }
    }
}
