package dev.mandate.authority.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The authority's durable state: root keys, clients, minted tokens, the revocation feed and the
 * hash-chained audit trail. One implementation serves SQLite (the embedded default) and PostgreSQL
 * (shared by several authority replicas); both use the same Flyway migrations.
 *
 * <p>Every write is one transaction and is durable (committed and, on SQLite, fsynced) when the
 * method returns. Methods throw {@link IllegalArgumentException} for bad input, before touching the
 * database, and {@link StoreException} when the database fails or a state rule is broken.
 * Implementations are thread-safe.
 */
public interface AuthorityStore extends AutoCloseable {

  /**
   * Opens a store and brings its schema up to date with Flyway migrations.
   *
   * @param jdbcUrl {@code jdbc:sqlite:/path/file.db} or {@code jdbc:postgresql://host:port/db...}
   * @return an open store; close it when done
   * @throws IllegalArgumentException if the URL is null or names an unsupported database
   * @throws StoreException if the database is unreachable or the migrations fail
   */
  static AuthorityStore open(String jdbcUrl) {
    return JdbcAuthorityStore.open(jdbcUrl, null);
  }

  /**
   * As {@link #open(String)}, with the database password given apart from the URL, so that it
   * appears in no URL, log line or process listing.
   *
   * @param password the PostgreSQL password, or null to use the URL's (SQLite has none)
   * @throws IllegalArgumentException if a password is given for SQLite
   */
  static AuthorityStore open(String jdbcUrl, char[] password) {
    return JdbcAuthorityStore.open(jdbcUrl, password);
  }

  // ---- root keys ----

  /**
   * Stores a new root key. The sealed private key is kept as opaque bytes.
   *
   * @throws StoreException if a key with that id exists, or if the key is {@link KeyState#ACTIVE}
   *     while another key is already active (use {@link #activateKey})
   */
  void insertKey(RootKeyRecord key);

  /** Returns every root key, oldest first. */
  List<RootKeyRecord> keys();

  /**
   * Makes {@code keyId} the single {@link KeyState#ACTIVE} signing key; the previously active key
   * becomes {@link KeyState#VERIFY_ONLY}. Both changes happen in one transaction, serialised
   * against rotations on other replicas. Activating the active key changes nothing; a VERIFY_ONLY
   * key may be activated again (a rollback of a rotation).
   *
   * @param at when the rotation happened, kept as the key's activation time
   * @throws StoreException if the key does not exist or is {@link KeyState#RETIRED}
   */
  void activateKey(String keyId, Instant at);

  /**
   * Retires {@code keyId}: capabilities it signed stop verifying. Retiring a retired key changes
   * nothing (the first retirement time is kept).
   *
   * @param at the retirement time, stored as {@link RootKeyRecord#retiredAt()}
   * @throws StoreException if the key does not exist or is the {@link KeyState#ACTIVE} key
   */
  void retireKey(String keyId, Instant at);

  // ---- clients ----

  /**
   * Creates the client or replaces its secret hash, admin flag and disabled time (its creation time
   * is kept).
   */
  void upsertClient(ClientRecord client);

  /** Returns the client, if it exists. */
  Optional<ClientRecord> client(String clientId);

  /** Returns every client, disabled ones included, ordered by client id. */
  List<ClientRecord> clients();

  /**
   * Disables a client: it can no longer authenticate. Disabling a disabled client changes nothing
   * (the first time is kept).
   *
   * @param at when, stored as {@link ClientRecord#disabledAt()}
   * @return the client as stored, or empty if there is no such client
   */
  Optional<ClientRecord> disableClient(String clientId, Instant at);

  // ---- people (the console) ----

  /**
   * Creates the person or replaces their password hash, role, groups, policy client, TOTP secret
   * and disabled time (their creation time and sign-in failures are kept). A changed TOTP secret
   * forgets which codes were used.
   */
  void upsertPerson(PersonRecord person);

  /** Returns the person, if they exist. */
  Optional<PersonRecord> person(String name);

  /** Returns every person, disabled ones included, ordered by name. */
  List<PersonRecord> people();

  /**
   * Disables a person and ends their sessions, in one transaction. Disabling a disabled person
   * changes nothing (the first time is kept).
   *
   * @return the person as stored, or empty if there is no such person
   */
  Optional<PersonRecord> disablePerson(String name, Instant at);

  /**
   * Counts a failed sign-in of {@code name}: failures older than {@code window} are forgotten, and
   * the {@code max}-th failure within the window locks sign-in until {@code at + lockFor}.
   *
   * @return what the failure did, or empty if there is no such person
   */
  Optional<SignInFailure> recordSignInFailure(
      String name, Instant at, java.time.Duration window, int max, java.time.Duration lockFor);

  /** Forgets a person's sign-in failures and lifts a lock-out. */
  void clearSignInFailures(String name);

  /**
   * Records that the person used the TOTP code of time step {@code step}.
   *
   * @return false if that step or a later one was used before (a replayed code), else true
   */
  boolean useTotpStep(String name, long step);

  // ---- console sessions ----

  /**
   * Stores a new session.
   *
   * @throws StoreException if the id hash exists or the person does not
   */
  void createSession(SessionRecord session);

  /** Returns the session with this id hash, if it exists. */
  Optional<SessionRecord> session(String idHash);

  /** Sets the session's last use to {@code at}, if that is later. */
  void touchSession(String idHash, Instant at);

  /**
   * Ends a session.
   *
   * @return whether it existed
   */
  boolean deleteSession(String idHash);

  /**
   * Ends every session of a person (after a password change).
   *
   * @return how many there were
   */
  int deleteSessions(String person);

  /**
   * Deletes the sessions last used before {@code idleBefore} or created before {@code
   * createdBefore}.
   *
   * @return how many were deleted
   */
  int deleteExpiredSessions(Instant idleBefore, Instant createdBefore);

  // ---- OAuth state ----

  /**
   * Stores a client that registered itself (RFC 7591).
   *
   * @throws StoreException if a client with that id exists
   */
  void saveOAuthClient(OAuthClientRecord client);

  /** Returns the registered OAuth client, if there is one. */
  Optional<OAuthClientRecord> oauthClient(String clientId);

  /**
   * Creates or updates an OAuth authorization (its refresh hash, revoked flag and state; its client
   * and end are kept), and adds its current refresh hash to its family, in one transaction.
   */
  void saveOAuthAuthorization(OAuthAuthorizationRecord authorization);

  /**
   * Returns the authorization that issued the refresh token of this hash, whether the hash is its
   * current one or a retired one (compare {@link OAuthAuthorizationRecord#refreshHash()}).
   */
  Optional<OAuthAuthorizationRecord> oauthAuthorizationByRefreshHash(String hash);

  // ---- minted tokens ----

  /**
   * Records a minted token's metadata.
   *
   * @throws StoreException if a token with that id was already recorded, or its client is unknown
   */
  void recordToken(TokenRecord token);

  /**
   * Records a minted token and appends its audit event in one transaction (one commit, one fsync),
   * so a mint is never stored without its audit record or the other way round.
   *
   * @return the audit record written
   * @throws StoreException as {@link #recordToken}
   */
  AuditRecord recordMint(TokenRecord token, AuditEvent mintEvent);

  /** Returns the token's metadata, if it was recorded. */
  Optional<TokenRecord> token(String tokenId);

  /** Returns every token minted for the indirect capability {@code indirectId}, in issue order. */
  List<TokenRecord> tokensForIndirect(String indirectId);

  // ---- revocation feed ----

  /**
   * Appends an entry to the revocation feed. The entry is committed (and fsynced on SQLite) before
   * this method returns, so a caller may acknowledge it. Publishing {@link FeedEntry.Kind#REVOKE}
   * for an id that is already revoked writes nothing and returns the existing entry.
   *
   * @param kind what to do
   * @param revocationId the revocation id (or, for SUSPEND/RESUME, the indirect id)
   * @param tokenId the token named in the request, or {@code null}
   * @param reason why, or {@code null}
   * @param actor who asked (non-blank)
   * @param at when
   * @return the entry as stored, with its sequence number
   */
  FeedEntry publish(
      FeedEntry.Kind kind,
      String revocationId,
      String tokenId,
      String reason,
      String actor,
      Instant at);

  /** Whether {@code revocationId} has been revoked (a REVOKE entry for it is committed). */
  boolean revoked(String revocationId);

  /**
   * Returns committed feed entries with a sequence greater than {@code afterSequence}, in sequence
   * order, at most {@code limit} of them. Sequences are gap-free and assigned in commit order, so a
   * follower that has seen up to N never misses an entry by asking for {@code since=N}.
   *
   * @param limit 1..10000
   */
  List<FeedEntry> feedSince(long afterSequence, int limit);

  /** Returns the sequence of the last committed feed entry, or 0 when the feed is empty. */
  long latestSequence();

  /**
   * Returns the revocation ids that are denied now: every revoked id, plus every suspended id whose
   * latest SUSPEND/RESUME entry is a SUSPEND. Taken together with {@link #latestSequence()} in one
   * read this is the snapshot a gateway starts from; see {@link #deniedSnapshot()}.
   */
  Set<String> currentlyDenied();

  /**
   * Returns {@link #currentlyDenied()} together with the feed sequence it reflects, read in one
   * consistent transaction, so a follower can start the feed at {@code since=snapshot.sequence()}.
   */
  RevocationSnapshot deniedSnapshot();

  // ---- approval requests ----

  /**
   * Records a call waiting for a person's approval. If the id is already recorded for the same call
   * nothing changes ({@link ApprovalRequestOutcome.Kind#EXISTING}); if the same call of the same
   * capability has an open request (pending, or refused and not yet expired) the id becomes another
   * name of it ({@link ApprovalRequestOutcome.Kind#ATTACHED}); if the capability already has {@code
   * maxPendingPerToken} pending requests nothing is stored ({@link
   * ApprovalRequestOutcome.Kind#LIMITED}); else it is stored ({@link
   * ApprovalRequestOutcome.Kind#CREATED}). A pending request of the same call past its expiry is
   * marked expired first.
   *
   * @param request a new request: status {@code PENDING}, no decision, no approval and no answers;
   *     its {@code requestedAt} is the time "now" for expiry checks
   * @throws IllegalArgumentException if the request is not new and pending, or the limit is below 1
   * @throws StoreException if the id is already recorded for another call, or the database fails
   */
  ApprovalRequestOutcome recordApprovalRequest(
      ApprovalRequestRecord request, int maxPendingPerToken);

  /** Returns the request an id names (its own, or the one it was attached to), with its answers. */
  Optional<ApprovalRequestRecord> approvalRequest(String requestId);

  /** Returns the call's pending request that has not expired at {@code now}, if there is one. */
  Optional<ApprovalRequestRecord> pendingApprovalRequest(
      String tokenId, String requestDigest, Instant now);

  /**
   * Returns requests, newest first, with their answers.
   *
   * @param groups only requests any of these groups may answer (1 to 256), or null for every one
   * @param pendingOnly only requests still pending at {@code now}
   * @param limit 1..1000
   */
  List<ApprovalRequestRecord> approvalRequests(
      Set<String> groups, boolean pendingOnly, Instant now, int limit);

  /**
   * Records one approver's answer to a pending request in one transaction, serialised against other
   * answers to it (across replicas): a refusal refuses the request; an approval is counted, and
   * when the distinct approvers of one of its groups reach {@link AnswerRules#required} the request
   * is approved with the approval {@link AnswerRules#issue} makes. The audit records {@link
   * AnswerRules#audit} gives are appended in the same transaction. Nothing is written when the
   * approver answered before, the request is not pending (or has expired), or is unknown.
   *
   * @param requestId the request's id (or another name of it)
   * @param answers one approver's answer, once per group it counts for (1 to 16, same approver and
   *     answer); their time is "now"
   * @throws IllegalArgumentException if the answers are empty or mix approvers or answers
   */
  AnswerOutcome answerApprovalRequest(
      String requestId, List<ApprovalAnswer> answers, AnswerRules rules);

  /**
   * A number that grows whenever an approval request is recorded, answered, decided or expires (0
   * with none), for live views that follow what other replicas change.
   */
  long approvalRequestsChangeCount();

  // ---- audit trail ----

  /**
   * Appends one record to the hash chain.
   *
   * @return the stored record, with its sequence and hashes
   */
  AuditRecord append(AuditEvent event);

  /**
   * Appends {@code events} in order, all or nothing, and remembers {@code batchId} in the same
   * transaction.
   *
   * @param batchId the sender's id for this batch (non-blank, at most 256 characters)
   * @param events 1..10000 events
   * @return {@code true} if appended; {@code false}, with nothing written, if the batch id was
   *     already ingested
   */
  boolean appendBatch(String batchId, List<AuditEvent> events);

  /** Returns the records matching {@code query}, in sequence order. */
  List<AuditRecord> audit(AuditQuery query);

  /**
   * Returns the newest records whose type is one of {@code types} (exact names), newest first, each
   * with a sequence below {@code beforeSequence} ({@link Long#MAX_VALUE} for the newest of all),
   * about {@code tokenId} and {@code clientId} where those are not null.
   *
   * @param types 1..16 record types, such as {@code decision} or {@code mint}
   * @param limit 1..10000
   */
  List<AuditRecord> newestAudit(
      List<String> types, String tokenId, String clientId, long beforeSequence, int limit);

  /** Returns the sequence of the last audit record, or 0 when the trail is empty. */
  long latestAuditSequence();

  /**
   * Walks the whole chain in sequence order, recomputing every hash and checking every link and the
   * sequence continuity. Reports the first bad sequence and what is wrong with it.
   */
  AuditVerification verifyAudit();

  /** Releases the database connections. Idempotent. */
  @Override
  void close();
}
