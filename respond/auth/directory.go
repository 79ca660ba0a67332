package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// MinBcryptCost is the lowest bcrypt cost Directory accepts.
const MinBcryptCost = 10

// DefaultBcryptCost is used when none is configured.
const DefaultBcryptCost = 12

// Event payloads of the users topic. Only userCreated and passwordChanged
// carry a password hash; nothing carries a password.
type userCreated struct {
	Username     string   `json:"username"`
	DisplayName  string   `json:"display_name"`
	Roles        []string `json:"roles"`
	PasswordHash string   `json:"password_hash"`
	CreatedBy    string   `json:"created_by"`
}

type passwordChanged struct {
	Username     string `json:"username"`
	PasswordHash string `json:"password_hash"`
}

type rolesChanged struct {
	Username string   `json:"username"`
	Roles    []string `json:"roles"`
}

type userDisabled struct {
	Username string `json:"username"`
}

type tokenCreated struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	SHA256   string `json:"sha256"` // hex SHA-256 of the token; the token itself is never stored
}

type tokenRevoked struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// TokenInfo describes an API token without its secret.
type TokenInfo struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	Revoked   bool      `json:"revoked,omitempty"`
}

type account struct {
	user User
	hash []byte
}

type apiToken struct {
	info TokenInfo
	hash string
}

// Directory is the projection of the users topic: accounts, their password
// hashes and their API tokens. Every change is an event appended to the log
// and then applied; Load rebuilds the projection from the log and Follow
// keeps it current with changes other processes (the CLI) append. Safe for
// concurrent use.
type Directory struct {
	log    eventlog.Log
	now    func() time.Time
	cost   int
	logger *slog.Logger
	dummy  []byte // hash compared against when the user does not exist

	wmu sync.Mutex // serialises check-then-append so two creates of one name cannot both pass

	mu       sync.RWMutex
	users    map[string]*account
	tokens   map[string]*apiToken // by hex SHA-256 of the token
	tokenIDs map[string]*apiToken
	seen     map[string]struct{} // applied event IDs: Follow redelivers what this process appended
	// unlocked is when each user's login limits were last cleared (by
	// userKey): failures before it no longer count.
	unlocked map[string]time.Time

	// Called (outside locks) after a user is disabled or their password
	// changes, whether by this process or, through Follow, by another.
	onDisabled        func(ctx context.Context, username string)
	onPasswordChanged func(ctx context.Context, username string)
	onUnlocked        func(username string)
}

// NewDirectory returns an empty directory; call Load before use. cost is the
// bcrypt cost for new hashes (0 means DefaultBcryptCost; below
// MinBcryptCost is an error).
func NewDirectory(log eventlog.Log, now func() time.Time, cost int, logger *slog.Logger) (*Directory, error) {
	if log == nil || now == nil {
		return nil, errors.New("auth: directory needs a log and a clock")
	}
	if cost == 0 {
		cost = DefaultBcryptCost
	}
	if cost < MinBcryptCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: bcrypt cost %d outside %d–%d", cost, MinBcryptCost, bcrypt.MaxCost)
	}
	cost = hashCost(cost) // the configured cost, except in tests (testhook.go)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var seed [32]byte
	_, _ = rand.Read(seed[:]) // crypto/rand.Read never fails (it crashes the program instead)
	dummy, err := bcrypt.GenerateFromPassword([]byte(base64.RawStdEncoding.EncodeToString(seed[:])[:40]), cost)
	if err != nil {
		return nil, fmt.Errorf("auth: making the dummy hash: %w", err)
	}
	return &Directory{
		log: log, now: now, cost: cost, logger: logger, dummy: dummy,
		users: map[string]*account{}, tokens: map[string]*apiToken{}, tokenIDs: map[string]*apiToken{},
		seen: map[string]struct{}{}, unlocked: map[string]time.Time{},
	}, nil
}

// Load replays the users topic into the directory.
func (d *Directory) Load(ctx context.Context) error {
	err := d.log.Replay(ctx, TopicUsers, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if err := d.apply(r.Event); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("auth: replaying topic %s: %w", TopicUsers, err)
	}
	return nil
}

// Follow reads the users topic (without a consumer group), applying
// changes other processes append, until ctx is done. Events this process
// already applied are skipped.
func (d *Directory) Follow(ctx context.Context) error {
	return eventlog.Follow(ctx, d.log, TopicUsers, nil, func(ctx context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			d.mu.RLock()
			_, done := d.seen[r.Event.ID]
			d.mu.RUnlock()
			if done {
				continue
			}
			if err := d.apply(r.Event); err != nil {
				return err
			}
			d.after(ctx, r.Event)
		}
		return nil
	}, nil)
}

// apply folds one users-topic event into the projection. It is idempotent
// by event ID; events of other types are ignored.
func (d *Directory) apply(e event.Envelope) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[e.ID]; ok {
		return nil
	}
	d.seen[e.ID] = struct{}{}
	switch e.Type {
	case UserCreated:
		var p userCreated
		if err := e.Decode(&p); err != nil {
			return err
		}
		if _, ok := d.users[p.Username]; ok {
			return nil // a duplicate create from a racing process: the first wins
		}
		d.users[p.Username] = &account{
			user: User{Username: p.Username, DisplayName: p.DisplayName, Roles: p.Roles, CreatedAt: e.Time, CreatedBy: p.CreatedBy},
			hash: []byte(p.PasswordHash),
		}
	case UserPasswordChanged:
		var p passwordChanged
		if err := e.Decode(&p); err != nil {
			return err
		}
		if a := d.users[p.Username]; a != nil {
			a.hash = []byte(p.PasswordHash)
		}
		d.unlocked[userKey(p.Username)] = e.Time // a new password clears the limits
	case UserUnlocked:
		var p userDisabled
		if err := e.Decode(&p); err != nil {
			return err
		}
		d.unlocked[userKey(p.Username)] = e.Time
	case UserRolesChanged:
		var p rolesChanged
		if err := e.Decode(&p); err != nil {
			return err
		}
		if a := d.users[p.Username]; a != nil {
			a.user.Roles = p.Roles
		}
	case UserDisabled:
		var p userDisabled
		if err := e.Decode(&p); err != nil {
			return err
		}
		if a := d.users[p.Username]; a != nil {
			a.user.Disabled = true
		}
	case APITokenCreated:
		var p tokenCreated
		if err := e.Decode(&p); err != nil {
			return err
		}
		t := &apiToken{info: TokenInfo{ID: p.ID, Username: p.Username, Name: p.Name, CreatedAt: e.Time, CreatedBy: e.Actor}, hash: p.SHA256}
		d.tokens[p.SHA256] = t
		d.tokenIDs[p.ID] = t
	case APITokenRevoked:
		var p tokenRevoked
		if err := e.Decode(&p); err != nil {
			return err
		}
		if t := d.tokenIDs[p.ID]; t != nil {
			t.info.Revoked = true
			delete(d.tokens, t.hash)
		}
	}
	return nil
}

// after runs the hooks for an event just applied live.
func (d *Directory) after(ctx context.Context, e event.Envelope) {
	var p struct {
		Username string `json:"username"`
	}
	switch e.Type {
	case UserDisabled:
		if d.onDisabled != nil && e.Decode(&p) == nil {
			d.onDisabled(ctx, p.Username)
		}
	case UserPasswordChanged:
		if d.onPasswordChanged != nil && e.Decode(&p) == nil {
			d.onPasswordChanged(ctx, p.Username)
		}
		if d.onUnlocked != nil && e.Decode(&p) == nil {
			d.onUnlocked(p.Username)
		}
	case UserUnlocked:
		if d.onUnlocked != nil && e.Decode(&p) == nil {
			d.onUnlocked(p.Username)
		}
	}
}

// record appends one event to the users topic and applies it. The caller
// holds d.wmu.
func (d *Directory) record(ctx context.Context, typ, key, actor string, payload any) (event.Envelope, error) {
	now := d.now()
	e, err := event.New(typ, key, actor, now, now, payload)
	if err != nil {
		return event.Envelope{}, fmt.Errorf("auth: building %s: %w", typ, err)
	}
	if err := d.log.Append(ctx, TopicUsers, e); err != nil {
		return event.Envelope{}, fmt.Errorf("auth: appending %s for %s: %w", typ, key, err)
	}
	if err := d.apply(e); err != nil {
		return event.Envelope{}, fmt.Errorf("auth: applying %s: %w", typ, err)
	}
	return e, nil
}

func (d *Directory) hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), d.cost)
	if err != nil {
		return "", fmt.Errorf("auth: hashing password: %w", err)
	}
	return string(h), nil
}

// Create adds an account. username is normalised (NormalizeUsername); an
// empty display name defaults to the username.
func (d *Directory) Create(ctx context.Context, actor, username, display, password string, roles []string) (User, error) {
	if actor == "" {
		return User{}, ErrInvalidActor
	}
	username = NormalizeUsername(username)
	if err := ValidateUsername(username); err != nil {
		return User{}, err
	}
	display = strings.TrimSpace(display)
	if display == "" {
		display = username
	}
	if utf8.RuneCountInString(display) > 64 {
		return User{}, ErrInvalidDisplayName
	}
	roles, err := NormalizeRoles(roles)
	if err != nil {
		return User{}, err
	}
	if err := CheckPassword(username, password); err != nil {
		return User{}, err
	}
	if _, ok := d.Lookup(username); ok {
		return User{}, fmt.Errorf("%w：%s", ErrUserExists, username)
	}
	h, err := d.hash(password)
	if err != nil {
		return User{}, err
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if _, ok := d.Lookup(username); ok {
		return User{}, fmt.Errorf("%w：%s", ErrUserExists, username)
	}
	if _, err := d.record(ctx, UserCreated, username, actor, userCreated{
		Username: username, DisplayName: display, Roles: roles, PasswordHash: h, CreatedBy: actor,
	}); err != nil {
		return User{}, err
	}
	d.logger.Info("auth: user created", "username", username, "roles", roles, "actor", actor)
	u, _ := d.Lookup(username)
	return u, nil
}

// SetRoles replaces a user's roles. The last active admin cannot lose the
// admin role.
func (d *Directory) SetRoles(ctx context.Context, actor, username string, roles []string) (User, error) {
	if actor == "" {
		return User{}, ErrInvalidActor
	}
	username = NormalizeUsername(username)
	roles, err := NormalizeRoles(roles)
	if err != nil {
		return User{}, err
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	u, ok := d.Lookup(username)
	if !ok {
		return User{}, fmt.Errorf("%w：%s", ErrUnknownUser, username)
	}
	if slices.Equal(u.Roles, roles) {
		return u, nil
	}
	if u.HasRole(RoleAdmin) && !slices.Contains(roles, RoleAdmin) && !u.Disabled && d.activeAdmins() <= 1 {
		return User{}, ErrLastAdmin
	}
	if _, err := d.record(ctx, UserRolesChanged, username, actor, rolesChanged{Username: username, Roles: roles}); err != nil {
		return User{}, err
	}
	d.logger.Info("auth: roles changed", "username", username, "roles", roles, "actor", actor)
	u, _ = d.Lookup(username)
	return u, nil
}

// Disable stops an account for good: it can no longer log in, its sessions
// end and its API tokens stop working. The last active admin cannot be
// disabled. Disabling a disabled user does nothing.
func (d *Directory) Disable(ctx context.Context, actor, username string) error {
	if actor == "" {
		return ErrInvalidActor
	}
	username = NormalizeUsername(username)
	d.wmu.Lock()
	u, ok := d.Lookup(username)
	switch {
	case !ok:
		d.wmu.Unlock()
		return fmt.Errorf("%w：%s", ErrUnknownUser, username)
	case u.Disabled:
		d.wmu.Unlock()
		return nil
	case u.HasRole(RoleAdmin) && d.activeAdmins() <= 1:
		d.wmu.Unlock()
		return ErrLastAdmin
	}
	e, err := d.record(ctx, UserDisabled, username, actor, userDisabled{Username: username})
	d.wmu.Unlock()
	if err != nil {
		return err
	}
	d.logger.Info("auth: user disabled", "username", username, "actor", actor)
	d.after(ctx, e)
	return nil
}

// ChangePassword sets a new password (an admin reset, or the user's own
// change once the caller has checked the old one with Authenticate). Every
// session of the user ends.
func (d *Directory) ChangePassword(ctx context.Context, actor, username, password string) error {
	if actor == "" {
		return ErrInvalidActor
	}
	username = NormalizeUsername(username)
	if _, ok := d.Lookup(username); !ok {
		return fmt.Errorf("%w：%s", ErrUnknownUser, username)
	}
	if err := CheckPassword(username, password); err != nil {
		return err
	}
	h, err := d.hash(password)
	if err != nil {
		return err
	}
	d.wmu.Lock()
	e, err := d.record(ctx, UserPasswordChanged, username, actor, passwordChanged{Username: username, PasswordHash: h})
	d.wmu.Unlock()
	if err != nil {
		return err
	}
	d.logger.Info("auth: password changed", "username", username, "actor", actor)
	d.after(ctx, e)
	return nil
}

// Unlock clears a user's login limits (failures and locks from every
// address), as an event other processes follow; the audit trail has it.
func (d *Directory) Unlock(ctx context.Context, actor, username string) error {
	if actor == "" {
		return ErrInvalidActor
	}
	username = NormalizeUsername(username)
	if _, ok := d.Lookup(username); !ok {
		return fmt.Errorf("%w：%s", ErrUnknownUser, username)
	}
	d.wmu.Lock()
	e, err := d.record(ctx, UserUnlocked, username, actor, userDisabled{Username: username})
	d.wmu.Unlock()
	if err != nil {
		return err
	}
	d.logger.Info("auth: login limits cleared", "username", username, "actor", actor)
	d.after(ctx, e)
	return nil
}

// unlockedAt is when the login limits of the user with key uk were last
// cleared (zero: never).
func (d *Directory) unlockedAt(uk string) time.Time {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.unlocked[uk]
}

// activeAdmins counts enabled admins. The caller holds d.wmu.
func (d *Directory) activeAdmins() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	n := 0
	for _, a := range d.users {
		if !a.user.Disabled && a.user.HasRole(RoleAdmin) {
			n++
		}
	}
	return n
}

// Authenticate checks a username and password. It costs one bcrypt
// comparison whether or not the user exists (an unknown user is compared
// against a dummy hash), so timing does not reveal which accounts exist.
// A disabled account with the right password yields ErrUserDisabled; any
// wrong password yields ErrBadCredentials.
func (d *Directory) Authenticate(username, password string) (User, error) {
	username = NormalizeUsername(username)
	d.mu.RLock()
	a := d.users[username]
	var (
		hash []byte
		u    User
	)
	if a != nil {
		hash, u = a.hash, a.user.clone()
	}
	d.mu.RUnlock()
	if a == nil {
		_ = bcrypt.CompareHashAndPassword(d.dummy, []byte(password))
		return User{}, ErrBadCredentials
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil {
		return User{}, ErrBadCredentials
	}
	if u.Disabled {
		return User{}, ErrUserDisabled
	}
	return u, nil
}

// Lookup returns a user by (normalised) username.
func (d *Directory) Lookup(username string) (User, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	a, ok := d.users[NormalizeUsername(username)]
	if !ok {
		return User{}, false
	}
	return a.user.clone(), true
}

// Users lists every account, sorted by username.
func (d *Directory) Users() []User {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]User, 0, len(d.users))
	for _, a := range d.users {
		out = append(out, a.user.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out
}

func (u User) clone() User {
	u.Roles = slices.Clone(u.Roles)
	return u
}

// tokenPrefix marks yuqing API tokens so secret scanners can find leaks.
const tokenPrefix = "yqt_"

// CreateToken issues an API token for a user. The token is returned once;
// only its SHA-256 is stored.
func (d *Directory) CreateToken(ctx context.Context, actor, username, name string) (string, TokenInfo, error) {
	if actor == "" {
		return "", TokenInfo{}, ErrInvalidActor
	}
	username = NormalizeUsername(username)
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return "", TokenInfo{}, fmt.Errorf("%w：须为 1–64 个字符", ErrInvalidTokenName)
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	id := event.NewID()
	d.wmu.Lock()
	defer d.wmu.Unlock()
	u, ok := d.Lookup(username)
	if !ok {
		return "", TokenInfo{}, fmt.Errorf("%w：%s", ErrUnknownUser, username)
	}
	if u.Disabled {
		return "", TokenInfo{}, ErrUserDisabled
	}
	if _, err := d.record(ctx, APITokenCreated, username, actor, tokenCreated{ID: id, Username: username, Name: name, SHA256: tokenHash(tok)}); err != nil {
		return "", TokenInfo{}, err
	}
	d.logger.Info("auth: api token created", "username", username, "token_id", id, "actor", actor)
	d.mu.RLock()
	info := d.tokenIDs[id].info
	d.mu.RUnlock()
	return tok, info, nil
}

// RevokeToken revokes an API token by ID. Revoking twice does nothing.
func (d *Directory) RevokeToken(ctx context.Context, actor, id string) error {
	if actor == "" {
		return ErrInvalidActor
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	d.mu.RLock()
	t := d.tokenIDs[id]
	var info TokenInfo
	if t != nil {
		info = t.info
	}
	d.mu.RUnlock()
	if t == nil {
		return ErrUnknownToken
	}
	if info.Revoked {
		return nil
	}
	if _, err := d.record(ctx, APITokenRevoked, info.Username, actor, tokenRevoked{ID: id, Username: info.Username}); err != nil {
		return err
	}
	d.logger.Info("auth: api token revoked", "username", info.Username, "token_id", id, "actor", actor)
	return nil
}

// Tokens lists a user's API tokens (revoked ones included), oldest first.
func (d *Directory) Tokens(username string) []TokenInfo {
	username = NormalizeUsername(username)
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []TokenInfo
	for _, t := range d.tokenIDs {
		if t.info.Username == username {
			out = append(out, t.info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// tokenUser resolves a presented API token to its enabled user.
func (d *Directory) tokenUser(tok string) (User, TokenInfo, bool) {
	if !strings.HasPrefix(tok, tokenPrefix) {
		return User{}, TokenInfo{}, false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	t := d.tokens[tokenHash(tok)]
	if t == nil || t.info.Revoked {
		return User{}, TokenInfo{}, false
	}
	a := d.users[t.info.Username]
	if a == nil || a.user.Disabled {
		return User{}, TokenInfo{}, false
	}
	return a.user.clone(), t.info, true
}

func tokenHash(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}
