package io.stellarrelay.bench;

/**
 * Which servers each client subscribes to.
 *
 * <ul>
 *   <li>owned: client i subscribes to servers {@code i + k * clients} (k below servers-per-client),
 *   which {@link FixtureDatabase#populate} makes user i own (server j belongs to user j % users);</li>
 *   <li>shared: client i subscribes to servers {@code (i * perClient + k) % servers}, a few servers watched
 *   by many clients, with memberships from {@link FixtureDatabase#addSharedMemberships}.</li>
 * </ul>
 */
final class Layouts {
    private Layouts() {}

    static String[] ownedServers(int client, int clients, int perClient) {
        String[] ids = new String[perClient];
        for (int k = 0; k < perClient; k++) {
            ids[k] = FixtureDatabase.serverId(client + k * clients);
        }
        return ids;
    }

    static int[] sharedServerIndexes(int client, int servers, int perClient) {
        int[] idx = new int[perClient];
        for (int k = 0; k < perClient; k++) {
            idx[k] = (int) (((long) client * perClient + k) % servers);
        }
        return idx;
    }
}
