package io.stellarrelay.demo;

import io.stellarrelay.config.SharedSettings;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The demo page in a real headless Chromium: pick a user, see exactly their servers, see a status
 * change arrive, open a server's console. Needs Debian's {@code chromium} and {@code chromium-driver} (or CHROME_BIN and
 * CHROMEDRIVER); .ci/run installs them. Without them it is skipped on a developer machine, and fails
 * in CI, where a skip must never pass for a success.
 */
class DemoPageBrowserIT {
    private static final Duration INTERVAL = Duration.ofMillis(1000);
    private static DemoStack stack;
    private static WebDriver browser;
    private static Path profile;
    private static TestRedis redis;
    private static final RedisNames NAMES = new RedisNames(SharedSettings.DEFAULT_REDIS_PREFIX);

    private static String locate(String variable, String... candidates) {
        String explicit = System.getenv(variable);
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return explicit;
        }
        for (String candidate : candidates) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    @BeforeAll
    static void start() throws Exception {
        String chromium = locate("CHROME_BIN", "/usr/bin/chromium", "/usr/bin/chromium-browser",
                "/Applications/Chromium.app/Contents/MacOS/Chromium");
        String driver = locate("CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver",
                "/opt/homebrew/bin/chromedriver", "/usr/local/bin/chromedriver");
        if (chromium == null || driver == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("Chromium and chromedriver are required in CI (apt-get install chromium chromium-driver)");
            }
            assumeTrue(false, "no Chromium/chromedriver on this machine: browser test skipped");
        }
        stack = DemoStack.start(new DemoStack.Options("127.0.0.1", 0, INTERVAL, null));
        redis = TestRedis.create(stack.services().redis().url());
        profile = Files.createTempDirectory("stellar-browser-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        // Headless as root, and no calls home: this machine's network is closed.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,1000", "--user-data-dir=" + profile);
        // The browser's own console (failed requests show there as SEVERE), for the "no errors" check.
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logging);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(driver)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) browser.quit();
        if (redis != null) redis.close();
        if (stack != null) stack.close();
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static WebDriverWait waitUpTo(Duration timeout) {
        return new WebDriverWait(browser, timeout, Duration.ofMillis(50));
    }

    private static void pick(String userId) {
        browser.findElement(By.cssSelector("#users button[data-user-id='" + userId + "']")).click();
    }

    private static Set<String> cardIds() {
        return browser.findElements(By.cssSelector(".card")).stream()
                .map(card -> card.getDomAttribute("data-server-id")).collect(Collectors.toSet());
    }

    private static String statusOf(String serverId) {
        return browser.findElement(By.cssSelector(".card[data-server-id='" + serverId + "'] .status")).getText();
    }

    /** Relays subscribe to a console channel only while a socket that may read it has opted in. */
    private static long consoleSubscribers(String serverId) {
        return redis.subscribers(NAMES.consoleChannel(serverId));
    }

    private static List<String> consoleTexts(String selector) {
        return browser.findElements(By.cssSelector("#console-lines " + selector)).stream()
                .map(WebElement::getText).toList();
    }

    private static void showCardsOf(String userId, Set<String> serverIds) {
        browser.get("http://127.0.0.1:" + stack.port() + "/");
        waitUpTo(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#users button")).isEmpty());
        pick(userId);
        waitUpTo(Duration.ofSeconds(10)).until(d -> "live".equals(d.findElement(By.id("state")).getDomAttribute("data-state"))
                && cardIds().equals(serverIds));
    }

    private static void openConsole(String serverId) {
        browser.findElement(By.cssSelector(".card[data-server-id='" + serverId + "'] .open-console")).click();
    }

    /** Whether the element lies wholly inside the browser window as it is scrolled now. */
    private static boolean inView(String id) {
        return (Boolean) ((JavascriptExecutor) browser).executeScript("""
                const r = document.getElementById(arguments[0]).getBoundingClientRect();
                return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;""", id);
    }

    /** The points of a card's usage chart for {@code resource} ("cpu" or "memory"), as [x, y] pairs. */
    private static List<double[]> chartPoints(String serverId, String resource) {
        String points = browser.findElement(By.cssSelector(".card[data-server-id='" + serverId + "'] ."
                + resource + "-chart polyline")).getDomAttribute("points");
        if (points == null || points.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(points.trim().split("\\s+"))
                .map(p -> java.util.Arrays.stream(p.split(",")).mapToDouble(Double::parseDouble).toArray()).toList();
    }

    private static void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Files.createDirectories(Path.of("target", "screenshots")).resolve(name);
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    @DisplayName("an owner sees live cards for exactly their servers, and a status change arrives within two intervals")
    void ownerSeesTheirServersLive() throws Exception {
        browser.get("http://127.0.0.1:" + stack.port() + "/");
        waitUpTo(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#users button")).isEmpty());
        pick("usr_demo_owner_1");

        waitUpTo(Duration.ofSeconds(10)).until(d -> "live".equals(d.findElement(By.id("state")).getDomAttribute("data-state"))
                && cardIds().equals(Set.of("srv_demo_01", "srv_demo_02", "srv_demo_05", "srv_demo_08")));
        // Every card filled from a real server:sync: status, node and location, primary address, resources.
        waitUpTo(Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector(".status")).stream()
                .noneMatch(s -> s.getText().equals("waiting")));
        WebElement card = browser.findElement(By.cssSelector(".card[data-server-id='srv_demo_02']"));
        assertTrue(card.findElement(By.cssSelector(".node")).getText().contains("·"), "node and location shown");
        assertTrue(card.findElement(By.cssSelector(".address")).getText().matches(".+:\\d+"), "primary allocation");
        assertEquals("150.5 %", card.findElement(By.cssSelector(".cpu")).getText());

        stack.execute("UPDATE servers SET status = 'MAINTENANCE', \"updatedAt\" = now() WHERE id = 'srv_demo_01'");
        long changedAt = System.nanoTime();
        waitUpTo(INTERVAL.multipliedBy(2)).until(d -> statusOf("srv_demo_01").equals("maintenance"));
        assertTrue(System.nanoTime() - changedAt <= INTERVAL.multipliedBy(2).toNanos());
        screenshot("demo-owner.png");
    }

    @Test
    @DisplayName("after the relay drops the socket the page reconnects, subscribes again and keeps updating")
    void reconnectsAndSubscribesAgain() throws Exception {
        browser.get("http://127.0.0.1:" + stack.port() + "/");
        waitUpTo(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#users button")).isEmpty());
        pick("usr_demo_owner_2");
        waitUpTo(Duration.ofSeconds(10)).until(d -> "live".equals(d.findElement(By.id("state")).getDomAttribute("data-state")));
        waitUpTo(Duration.ofSeconds(10)).until(d -> !statusOf("srv_demo_03").equals("waiting"));

        // "reconnecting" lasts a backoff of 250-500 ms: the page records every state, so a slow poll cannot miss it.
        ((JavascriptExecutor) browser).executeScript("""
                const state = document.getElementById('state');
                window.seenStates = [];
                new MutationObserver(() => window.seenStates.push(state.dataset.state))
                    .observe(state, { attributes: true, attributeFilter: ['data-state'] });""");
        stack.relay().closeAllConnections(io.stellarrelay.protocol.CloseCode.SERVICE_RESTART);
        waitUpTo(Duration.ofSeconds(5)).until(d -> ((List<?>) ((JavascriptExecutor) d)
                .executeScript("return window.seenStates")).contains("reconnecting"));
        waitUpTo(Duration.ofSeconds(10)).until(d -> "live".equals(d.findElement(By.id("state")).getDomAttribute("data-state")));

        stack.execute("UPDATE servers SET status = 'RESTORING', \"updatedAt\" = now() WHERE id = 'srv_demo_03'");
        waitUpTo(INTERVAL.multipliedBy(3)).until(d -> statusOf("srv_demo_03").equals("restoring"));
    }

    @Test
    @DisplayName("a banned user is refused and sees no servers")
    void bannedUserIsRefused() throws Exception {
        browser.get("http://127.0.0.1:" + stack.port() + "/");
        waitUpTo(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#users button")).isEmpty());
        pick("usr_demo_banned");
        waitUpTo(Duration.ofSeconds(10)).until(d -> "refused".equals(d.findElement(By.id("state")).getDomAttribute("data-state")));
        assertTrue(cardIds().isEmpty());
        assertTrue(browser.findElement(By.id("message")).getText().contains("not authenticated"));
    }

    @Test
    @DisplayName("a user without access sees that, and none of other people's servers")
    void strangerSeesNothing() throws Exception {
        browser.get("http://127.0.0.1:" + stack.port() + "/");
        waitUpTo(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#users button")).isEmpty());
        pick("usr_demo_stranger");
        waitUpTo(Duration.ofSeconds(10)).until(d -> "live".equals(d.findElement(By.id("state")).getDomAttribute("data-state"))
                && d.findElement(By.id("message")).getText().contains("no access"));
        assertTrue(cardIds().isEmpty());
        screenshot("demo-stranger.png");
    }

    @Test
    @DisplayName("a sub-user sees only the server they are a member of")
    void subUserSeesOneServer() throws Exception {
        browser.get("http://127.0.0.1:" + stack.port() + "/");
        waitUpTo(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#users button")).isEmpty());
        pick("usr_demo_subuser");
        waitUpTo(Duration.ofSeconds(10)).until(d -> "live".equals(d.findElement(By.id("state")).getDomAttribute("data-state"))
                && cardIds().equals(Set.of("srv_demo_01")));
        List<WebElement> statuses = browser.findElements(By.cssSelector(".status"));
        waitUpTo(Duration.ofSeconds(10)).until(d -> !statuses.get(0).getText().equals("waiting"));
    }

    @Test
    @DisplayName("the owner opens a console, sees lines as they arrive and a dropped-lines marker; closing it stops "
            + "console delivery but not the card's updates")
    void ownerReadsTheConsole() throws Exception {
        showCardsOf("usr_demo_owner_1", Set.of("srv_demo_01", "srv_demo_02", "srv_demo_05", "srv_demo_08"));
        openConsole("srv_demo_01");
        waitUpTo(Duration.ofSeconds(5)).until(d -> consoleSubscribers("srv_demo_01") >= 1);
        // The page scrolls the panel into view (smoothly, so allow it a moment) and says it waits.
        waitUpTo(Duration.ofSeconds(3)).until(d -> inView("console"));
        assertEquals(List.of("waiting for output…"), consoleTexts(".waiting"));
        screenshot("demo-console-waiting.png");

        stack.liveEvents().publishConsole("srv_demo_01", List.of("[12:00:00 INFO]: hello from the test", "second line"));
        waitUpTo(Duration.ofSeconds(5)).until(d -> consoleTexts(".line").containsAll(
                List.of("[12:00:00 INFO]: hello from the test", "second line")));
        assertEquals(List.of(), consoleTexts(".waiting"), "the placeholder goes with the first line");

        // Far more than a relay passes for one server in a second: the rest is counted, and the page says so.
        List<String> flood = IntStream.range(0, 3000).mapToObj(i -> "flood line " + i).toList();
        stack.liveEvents().publishConsole("srv_demo_01", flood);
        waitUpTo(Duration.ofSeconds(5)).until(d -> !consoleTexts(".dropped").isEmpty());
        int dropped = consoleTexts(".dropped").stream()
                .mapToInt(text -> Integer.parseInt(text.replaceAll(" lines? dropped", ""))).sum();
        assertTrue(dropped >= 1000 && dropped < 3000, dropped + " lines dropped");
        assertTrue(consoleTexts(".line").stream().anyMatch(line -> line.startsWith("flood line ")),
                "the lines within the cap are shown");
        assertEquals("", browser.findElement(By.id("console-error")).getText());
        screenshot("demo-console.png");

        browser.findElement(By.id("console-close")).click();
        waitUpTo(Duration.ofSeconds(5)).until(d -> consoleSubscribers("srv_demo_01") == 0);
        assertFalse(browser.findElement(By.id("console")).isDisplayed());
        stack.execute("UPDATE servers SET status = 'STOPPING', \"updatedAt\" = now() WHERE id = 'srv_demo_01'");
        waitUpTo(INTERVAL.multipliedBy(3)).until(d -> statusOf("srv_demo_01").equals("stopping"));
    }

    @Test
    @DisplayName("a console opened after the server printed shows its last lines at once (the relay's history)")
    void consoleOpensWithHistory() throws Exception {
        showCardsOf("usr_demo_owner_1", Set.of("srv_demo_01", "srv_demo_02", "srv_demo_05", "srv_demo_08"));
        List<String> earlier = List.of("[11:59:58 INFO]: printed before the console opened", "[11:59:59 INFO]: so was this");
        stack.liveEvents().publishConsole("srv_demo_05", earlier);
        openConsole("srv_demo_05");
        waitUpTo(Duration.ofSeconds(5)).until(d -> consoleTexts(".line").containsAll(earlier));
        assertEquals(List.of(), consoleTexts(".waiting"), "history replaces the placeholder");
        assertEquals("", browser.findElement(By.id("console-error")).getText());
    }

    @Test
    @DisplayName("a member without console permission sees the relay's refusal and no console lines")
    void memberWithoutConsolePermissionIsRefused() throws Exception {
        showCardsOf("usr_demo_viewer", Set.of("srv_demo_02"));
        openConsole("srv_demo_02");
        waitUpTo(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("console-error")).isDisplayed());
        assertEquals(ErrorMessages.CONSOLE_FORBIDDEN, browser.findElement(By.id("console-error")).getText());

        // Every status the card shows is recorded: the next server:sync (every interval) puts the database's
        // status back, possibly before a look at the card would have seen the event's.
        JavascriptExecutor page = (JavascriptExecutor) browser;
        page.executeScript("""
                const status = document.querySelector(".card[data-server-id='srv_demo_02'] .status");
                window.statusesShown = [];
                new MutationObserver(() => window.statusesShown.push(status.textContent))
                    .observe(status, {childList: true, characterData: true, subtree: true});
                """);
        stack.liveEvents().publishConsole("srv_demo_02", List.of("secret console line"));
        // Status events still reach the member; one published after the line shows the socket is live.
        stack.liveEvents().publishStatus("srv_demo_02", "restoring");
        waitUpTo(Duration.ofSeconds(5)).until(d ->
                (Boolean) page.executeScript("return window.statusesShown.includes('restoring');"));
        assertEquals(0, consoleSubscribers("srv_demo_02"), "no relay listens to a console nobody may read");
        assertEquals(List.of(), consoleTexts(".line"));
        screenshot("demo-console-refused.png");
    }

    @Test
    @DisplayName("\"crash now\" makes the server crash at once, and its console shows the report cut by a dropped-lines marker")
    void crashNowShowsDroppedLines() throws Exception {
        showCardsOf("usr_demo_owner_1", Set.of("srv_demo_01", "srv_demo_02", "srv_demo_05", "srv_demo_08"));
        openConsole("srv_demo_08");
        waitUpTo(Duration.ofSeconds(5)).until(d -> consoleSubscribers("srv_demo_08") >= 1);
        browser.findElement(By.id("console-crash")).click();

        waitUpTo(Duration.ofSeconds(5)).until(d -> statusOf("srv_demo_08").equals("error"));
        waitUpTo(Duration.ofSeconds(5)).until(d -> !consoleTexts(".dropped").isEmpty());
        // The page keeps the newest 500 lines: the report's frames, ended by the marker.
        assertTrue(consoleTexts(".line").stream().anyMatch(line -> line.contains("ChunkTicker.tick")), "the crash report");
        assertTrue(consoleTexts(".dropped").getFirst().matches("\\d+ lines? dropped"), consoleTexts(".dropped").toString());
        assertTrue(inView("console"));
        screenshot("demo-console-crash.png");
    }

    @Test
    @DisplayName("a running server's card charts its recent CPU and memory, within the limits it shows")
    void runningServerShowsItsUsageChart() throws Exception {
        stack.execute("UPDATE servers SET status = 'RUNNING', \"updatedAt\" = now() WHERE id = 'srv_demo_05'");
        showCardsOf("usr_demo_owner_1", Set.of("srv_demo_01", "srv_demo_02", "srv_demo_05", "srv_demo_08"));
        waitUpTo(Duration.ofSeconds(5)).until(d -> statusOf("srv_demo_05").equals("running"));
        WebElement charts = browser.findElement(By.cssSelector(".card[data-server-id='srv_demo_05'] .charts"));
        assertFalse(charts.isDisplayed(), "no chart before the first server:stats");

        // Six reports, as the simulated daemon sends them every 2 s, published here without the wait.
        int reports = 6;
        for (int i = 0; i < reports; i++) {
            stack.liveEvents().stats();
            int sent = i + 1;
            waitUpTo(Duration.ofSeconds(5)).until(d -> chartPoints("srv_demo_05", "cpu").size() == Math.max(2, sent));
        }
        assertTrue(charts.isDisplayed());
        for (String resource : List.of("cpu", "memory")) {
            List<double[]> points = chartPoints("srv_demo_05", resource);
            assertEquals(reports, points.size(), resource);
            // y runs from 28 (nothing used) up to 1 (the limit): usage within the limit stays in between.
            assertTrue(points.stream().allMatch(p -> p[1] >= 1 && p[1] <= 28), resource + " within its limit");
            assertTrue(points.get(0)[0] < points.get(reports - 1)[0], resource + " runs left to right in time");
        }
        String cpuNow = browser.findElement(By.cssSelector(".card[data-server-id='srv_demo_05'] .cpu-chart .now")).getText();
        assertTrue(cpuNow.matches("[\\d.]+ %"), cpuNow);
        screenshot("demo-usage.png");
    }

    @Test
    @DisplayName("a visit from a fresh browser (log in, open a console, crash a server) logs no error in the browser")
    void aNormalVisitLogsNoErrors() throws Exception {
        browser.manage().deleteAllCookies();
        browser.manage().logs().get(LogType.BROWSER); // drains what earlier tests left
        showCardsOf("usr_demo_owner_1", Set.of("srv_demo_01", "srv_demo_02", "srv_demo_05", "srv_demo_08"));
        openConsole("srv_demo_02");
        waitUpTo(Duration.ofSeconds(5)).until(d -> consoleSubscribers("srv_demo_02") >= 1);
        browser.findElement(By.id("console-crash")).click();
        waitUpTo(Duration.ofSeconds(5)).until(d -> !consoleTexts(".dropped").isEmpty());
        browser.findElement(By.id("console-close")).click();

        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).map(LogEntry::getMessage).toList();
        assertEquals(List.of(), errors, "the browser's console");
        String icon = browser.findElement(By.cssSelector("link[rel='icon']")).getDomProperty("href");
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(icon)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(200, response.statusCode(), "the page's icon is served: " + icon);
        }
    }
}
