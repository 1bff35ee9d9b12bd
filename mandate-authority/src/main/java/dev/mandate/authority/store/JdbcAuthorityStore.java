package dev.mandate.authority.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AuthorityStore} over JDBC, for SQLite and PostgreSQL with one schema: a facade over one
 * part per table group, which share a {@link Database} (the pool and its transaction discipline).
 *
 * <ul>
 *   <li>{@link KeyTable}: root keys and their rotation;
 *   <li>{@link ClientTable}: clients;
 *   <li>{@link PeopleTable}, {@link SessionTable}: the console's people and their sessions;
 *   <li>{@link OAuthTable}: OAuth clients and authorizations;
 *   <li>{@link TokenTable}: minted tokens, and {@link MintBatcher}, which group-commits mints with
 *       their audit records;
 *   <li>{@link FeedTable}: the revocation feed;
 *   <li>{@link AuditTable}: the hash-chained audit trail;
 *   <li>{@link ApprovalRequestTable}: calls waiting for a person's approval, and the answers.
 * </ul>
 *
 * <p>Ordering: the feed and the audit chain each have a single head row. A writer first increments
 * the head ({@code UPDATE ... SET seq = seq + 1}), which takes the row's write lock until commit
 * (PostgreSQL) or is inside a {@code BEGIN IMMEDIATE} transaction (SQLite), so writers are
 * serialised across every replica, sequence numbers are gap-free (a rollback undoes the increment)
 * and commit order equals sequence order. A database SEQUENCE would leave gaps and let a later
 * number commit first, which would make a follower skip entries.
 *
 * <p>Durability: a write method returns only after COMMIT; SQLite runs in WAL mode with {@code
 * synchronous=FULL}, so a commit is fsynced.
 */
final class JdbcAuthorityStore implements AuthorityStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcAuthorityStore.class);

  static final int MINT_GROUP_MAX = MintBatcher.GROUP_MAX;

  private final Database db;
  private final KeyTable keys;
  private final ClientTable clients;
  private final PeopleTable people;
  private final SessionTable sessions;
  private final OAuthTable oauth;
  private final TokenTable tokens;
  private final MintBatcher mints;
  private final FeedTable feed;
  private final AuditTable audit;
  private final ApprovalRequestTable approvals;

  private JdbcAuthorityStore(Database db) {
    this.db = db;
    this.keys = new KeyTable(db);
    this.clients = new ClientTable(db);
    this.people = new PeopleTable(db);
    this.sessions = new SessionTable(db);
    this.oauth = new OAuthTable(db);
    this.tokens = new TokenTable(db);
    this.mints = new MintBatcher(db);
    this.feed = new FeedTable(db);
    this.audit = new AuditTable(db);
    this.approvals = new ApprovalRequestTable(db);
  }

  static AuthorityStore open(String jdbcUrl, char[] password) {
    Database db = Database.open(jdbcUrl, password);
    LOG.info("authority store open: {} ({})", JdbcUrls.redact(jdbcUrl), db.dialect());
    return new JdbcAuthorityStore(db);
  }

  // ---------------------------------------------------------------- root keys

  @Override
  public void insertKey(RootKeyRecord key) {
    keys.insert(key);
  }

  @Override
  public List<RootKeyRecord> keys() {
    return keys.all();
  }

  @Override
  public void activateKey(String keyId, Instant at) {
    keys.activate(keyId, at);
  }

  @Override
  public void retireKey(String keyId, Instant at) {
    keys.retire(keyId, at);
  }

  // ---------------------------------------------------------------- clients

  @Override
  public void upsertClient(ClientRecord client) {
    clients.upsert(client);
  }

  @Override
  public Optional<ClientRecord> client(String clientId) {
    return clients.find(clientId);
  }

  @Override
  public List<ClientRecord> clients() {
    return clients.all();
  }

  @Override
  public Optional<ClientRecord> disableClient(String clientId, Instant at) {
    return clients.disable(clientId, at);
  }

  // ---------------------------------------------------------------- people and sessions

  @Override
  public void upsertPerson(PersonRecord person) {
    people.upsert(person);
  }

  @Override
  public Optional<PersonRecord> person(String name) {
    return people.find(name);
  }

  @Override
  public List<PersonRecord> people() {
    return people.all();
  }

  @Override
  public Optional<PersonRecord> disablePerson(String name, Instant at) {
    return people.disable(name, at);
  }

  @Override
  public Optional<SignInFailure> recordSignInFailure(
      String name, Instant at, java.time.Duration window, int max, java.time.Duration lockFor) {
    return people.fail(name, at, window, max, lockFor);
  }

  @Override
  public void clearSignInFailures(String name) {
    people.clearFailures(name);
  }

  @Override
  public boolean useTotpStep(String name, long step) {
    return people.useTotpStep(name, step);
  }

  @Override
  public void createSession(SessionRecord session) {
    sessions.create(session);
  }

  @Override
  public Optional<SessionRecord> session(String idHash) {
    return sessions.find(idHash);
  }

  @Override
  public void touchSession(String idHash, Instant at) {
    sessions.touch(idHash, at);
  }

  @Override
  public boolean deleteSession(String idHash) {
    return sessions.delete(idHash);
  }

  @Override
  public int deleteSessions(String person) {
    return sessions.deleteFor(person);
  }

  @Override
  public int deleteExpiredSessions(Instant idleBefore, Instant createdBefore) {
    return sessions.deleteExpired(idleBefore, createdBefore);
  }

  // ---------------------------------------------------------------- OAuth

  @Override
  public void saveOAuthClient(OAuthClientRecord client) {
    oauth.saveClient(client);
  }

  @Override
  public Optional<OAuthClientRecord> oauthClient(String clientId) {
    return oauth.client(clientId);
  }

  @Override
  public void saveOAuthAuthorization(OAuthAuthorizationRecord authorization) {
    oauth.saveAuthorization(authorization);
  }

  @Override
  public Optional<OAuthAuthorizationRecord> oauthAuthorizationByRefreshHash(String hash) {
    return oauth.authorizationByRefreshHash(hash);
  }

  // ---------------------------------------------------------------- tokens

  @Override
  public void recordToken(TokenRecord token) {
    tokens.record(token);
  }

  @Override
  public AuditRecord recordMint(TokenRecord token, AuditEvent mintEvent) {
    return mints.recordMint(token, mintEvent);
  }

  @Override
  public Optional<TokenRecord> token(String tokenId) {
    return tokens.find(tokenId);
  }

  @Override
  public List<TokenRecord> tokensForIndirect(String indirectId) {
    return tokens.forIndirect(indirectId);
  }

  // ---------------------------------------------------------------- revocation feed

  @Override
  public FeedEntry publish(
      FeedEntry.Kind kind,
      String revocationId,
      String tokenId,
      String reason,
      String actor,
      Instant at) {
    return feed.publish(kind, revocationId, tokenId, reason, actor, at);
  }

  @Override
  public List<FeedEntry> feedSince(long afterSequence, int limit) {
    return feed.since(afterSequence, limit);
  }

  @Override
  public boolean revoked(String revocationId) {
    return feed.revoked(revocationId);
  }

  @Override
  public long latestSequence() {
    return feed.latestSequence();
  }

  @Override
  public Set<String> currentlyDenied() {
    return feed.deniedSnapshot().denied();
  }

  @Override
  public RevocationSnapshot deniedSnapshot() {
    return feed.deniedSnapshot();
  }

  // ---------------------------------------------------------------- approval requests

  @Override
  public ApprovalRequestOutcome recordApprovalRequest(
      ApprovalRequestRecord request, int maxPendingPerToken) {
    return approvals.record(request, maxPendingPerToken);
  }

  @Override
  public Optional<ApprovalRequestRecord> approvalRequest(String requestId) {
    return approvals.find(requestId);
  }

  @Override
  public Optional<ApprovalRequestRecord> pendingApprovalRequest(
      String tokenId, String requestDigest, Instant now) {
    return approvals.pendingFor(tokenId, requestDigest, now);
  }

  @Override
  public List<ApprovalRequestRecord> approvalRequests(
      Set<String> groups, boolean pendingOnly, Instant now, int limit) {
    return approvals.list(groups, pendingOnly, now, limit);
  }

  @Override
  public AnswerOutcome answerApprovalRequest(
      String requestId, List<ApprovalAnswer> answers, AnswerRules rules) {
    return approvals.answer(requestId, answers, rules);
  }

  @Override
  public long approvalRequestsChangeCount() {
    return approvals.changeCount();
  }

  // ---------------------------------------------------------------- audit trail

  @Override
  public AuditRecord append(AuditEvent event) {
    return audit.append(event);
  }

  @Override
  public boolean appendBatch(String batchId, List<AuditEvent> events) {
    return audit.appendBatch(batchId, events);
  }

  @Override
  public List<AuditRecord> audit(AuditQuery query) {
    return audit.query(query);
  }

  @Override
  public List<AuditRecord> newestAudit(
      List<String> types, String tokenId, String clientId, long beforeSequence, int limit) {
    return audit.newest(types, tokenId, clientId, beforeSequence, limit);
  }

  @Override
  public long latestAuditSequence() {
    return audit.latestSequence();
  }

  @Override
  public AuditVerification verifyAudit() {
    return audit.verify();
  }

  @Override
  public void close() {
    mints.close();
    db.close();
  }
}
