package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/eventsec/eventsec/internal/audit"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/store"
)

// storageOnly limits a subcommand's flags to where the data is.
var storageOnly = []string{"data_dir", "database"}

func migrate(ctx context.Context, env Env, args []string) error {
	cfg, _, err := loadConfig(env, "migrate", args, config.LoadOptions{Only: storageOnly,
		Summary: "Apply pending database migrations and exit (serve also does this at start)."})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	status, err := st.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: schema is up to date\n", storeName(cfg))
	for _, m := range status {
		fmt.Fprintf(env.Stdout, "  %04d  %s  applied\n", m.Version, m.Name)
	}
	return nil
}

const userUsage = `Usage: eventsec user <create|list|reset-password> [flags]

  create           create a user in an organisation
  list             list the users of an organisation
  reset-password   set a new password (generated when none is given) and sign the user out everywhere

Run "eventsec user <subcommand> --help" for flags.
`

func userCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(env.Stdout, userUsage)
		if len(args) == 0 {
			return usageError{"user needs a subcommand"}
		}
		return nil
	}
	switch args[0] {
	case "create":
		return userCreate(ctx, env, args[1:])
	case "list":
		return userList(ctx, env, args[1:])
	case "reset-password":
		return userResetPassword(ctx, env, args[1:])
	}
	fmt.Fprint(env.Stderr, userUsage)
	return usageError{fmt.Sprintf("unknown user subcommand %q", args[0])}
}

// cliContext opens the store and the auth service for a CLI command.
type cliContext struct {
	st   interface{ Close() error }
	auth *auth.Service
	s    store.Store
}

func openCLI(ctx context.Context, cfg *config.Config) (*cliContext, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &cliContext{st: st, s: st, auth: auth.NewService(auth.Options{Store: st})}, nil
}

// resolveOrg picks the org a command acts on: the one named (by ID or
// name), or the only one.
func (c *cliContext) resolveOrg(ctx context.Context, want string) (store.Org, error) {
	orgs, err := c.s.Orgs().List(ctx)
	if err != nil {
		return store.Org{}, err
	}
	if len(orgs) == 0 {
		return store.Org{}, errors.New("there is no organisation yet: start the server once (eventsec serve) to create the first one")
	}
	if want == "" {
		if len(orgs) == 1 {
			return orgs[0], nil
		}
		names := make([]string, 0, len(orgs))
		for _, o := range orgs {
			names = append(names, fmt.Sprintf("%q (%s)", o.Name, o.ID))
		}
		return store.Org{}, usageError{"there are several organisations; choose one with --org: " + strings.Join(names, ", ")}
	}
	for _, o := range orgs {
		if o.ID == want || strings.EqualFold(o.Name, want) {
			return o, nil
		}
	}
	return store.Org{}, usageError{fmt.Sprintf("no organisation %q", want)}
}

// readPassword reads a password from a file ("-" for standard input).
func readPassword(env Env, file string) (string, error) {
	var b []byte
	var err error
	if file == "-" {
		line, rerr := bufio.NewReader(env.Stdin).ReadString('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return "", fmt.Errorf("cannot read password from standard input: %w", rerr)
		}
		b = []byte(line)
	} else {
		b, err = os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("cannot read password file: %w", err)
		}
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", usageError{"the password file is empty"}
	}
	return pw, nil
}

// cliError reports validation problems in terms of the command's flags.
func cliError(err error) error {
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		flagName := strings.ReplaceAll(ve.Field, "_", "-")
		if ve.Field == "password" || ve.Field == "new_password" {
			flagName = "password-file"
		}
		return usageError{fmt.Sprintf("--%s: %s", flagName, ve.Message)}
	}
	var ce *auth.ConflictError
	if errors.As(err, &ce) {
		return usageError{ce.Message}
	}
	return err
}

func userCreate(ctx context.Context, env Env, args []string) error {
	var in auth.UserInput
	var org, pwFile string
	cfg, _, err := loadConfig(env, "user create", args, config.LoadOptions{Only: storageOnly,
		Summary: "Create a user. Without --password-file a strong password is generated and printed once.",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&in.Email, "email", "", "e-mail address (required; the login name)")
			fs.StringVar(&in.Name, "name", "", "display name (required)")
			fs.StringVar(&in.Role, "role", "analyst", "admin, team_lead, senior_analyst, analyst or viewer")
			fs.StringVar(&pwFile, "password-file", "", "read the password from this file (- for standard input)")
			fs.StringVar(&in.Team, "team", "", "team")
			fs.StringVar(&in.Manager, "manager", "", "manager")
			fs.StringVar(&in.Computer, "computer", "", "computer")
			fs.StringVar(&in.MobilePhone, "mobile-phone", "", "mobile phone")
			fs.StringVar(&org, "org", "", "organisation ID or name (needed when there are several)")
		}})
	if err != nil {
		return err
	}
	if in.Email == "" || in.Name == "" {
		return usageError{"--email and --name are required"}
	}
	generated := ""
	if pwFile != "" {
		if in.Password, err = readPassword(env, pwFile); err != nil {
			return err
		}
	} else {
		if in.Password, err = auth.GeneratePassword(); err != nil {
			return err
		}
		generated = in.Password
	}
	c, err := openCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.st.Close()
	o, err := c.resolveOrg(ctx, org)
	if err != nil {
		return err
	}
	u, err := c.auth.CreateUser(ctx, auth.SystemActor(o.ID, "cli"), in)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.Stdout, "Created %s (%s, role %s) in %q.\n", u.Email, u.Name, u.Role, o.Name)
	if generated != "" {
		fmt.Fprintf(env.Stdout, "Password: %s\n(shown only once)\n", generated)
	}
	return nil
}

func userList(ctx context.Context, env Env, args []string) error {
	var org string
	cfg, _, err := loadConfig(env, "user list", args, config.LoadOptions{Only: storageOnly, Summary: "List the users of an organisation.",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&org, "org", "", "organisation ID or name (needed when there are several)")
		}})
	if err != nil {
		return err
	}
	c, err := openCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.st.Close()
	o, err := c.resolveOrg(ctx, org)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSTATUS\tLAST LOGIN\tID")
	for offset := 0; ; offset += 500 {
		users, total, err := c.auth.ListUsers(ctx, o.ID, store.UserFilter{Limit: 500, Offset: offset})
		if err != nil {
			return err
		}
		for _, u := range users {
			status, last := "enabled", "never"
			if u.Disabled {
				status = "disabled"
			}
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, status, last, u.ID)
		}
		if offset+len(users) >= total || len(users) == 0 {
			break
		}
	}
	return tw.Flush()
}

func userResetPassword(ctx context.Context, env Env, args []string) error {
	var email, pwFile string
	cfg, _, err := loadConfig(env, "user reset-password", args, config.LoadOptions{Only: storageOnly,
		Summary: "Set a new password for a user (generated and printed once without --password-file), unlock the account and sign the user out everywhere.",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "the user's e-mail address (required)")
			fs.StringVar(&pwFile, "password-file", "", "read the new password from this file (- for standard input)")
		}})
	if err != nil {
		return err
	}
	if email == "" {
		return usageError{"--email is required"}
	}
	pw, generated := "", ""
	if pwFile != "" {
		if pw, err = readPassword(env, pwFile); err != nil {
			return err
		}
	} else {
		if pw, err = auth.GeneratePassword(); err != nil {
			return err
		}
		generated = pw
	}
	c, err := openCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.st.Close()
	u, err := c.s.Users().GetByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return usageError{fmt.Sprintf("no user with e-mail %s", email)}
	}
	if err != nil {
		return err
	}
	// Whoever runs this on the data directory holds every key already: it
	// may reset any account, the first (platform) admin's included, which
	// is what an operator locked out needs.
	a := auth.SystemActor(u.OrgID, "cli")
	a.PlatformAdmin = true
	if _, err := c.auth.UpdateUser(ctx, a, u.ID, auth.UserPatch{Password: &pw}); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.Stdout, "Password of %s reset; the account is unlocked and every session was signed out.\n", u.Email)
	if generated != "" {
		fmt.Fprintf(env.Stdout, "New password: %s\n(shown only once)\n", generated)
	}
	return nil
}

func auditCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprintln(env.Stdout, "Usage: eventsec audit verify [--org ORG] [flags]")
			return nil
		}
		fmt.Fprintln(env.Stderr, "Usage: eventsec audit verify [--org ORG] [flags]")
		return usageError{"audit needs the subcommand verify"}
	}
	var org string
	cfg, _, err := loadConfig(env, "audit verify", args[1:], config.LoadOptions{Only: storageOnly,
		Summary: "Verify the audit log's hash chain of every organisation (or one) and report the first broken link.",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&org, "org", "", "verify only this organisation (ID or name)")
		}})
	if err != nil {
		return err
	}
	c, err := openCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.st.Close()
	orgs, err := c.s.Orgs().List(ctx)
	if err != nil {
		return err
	}
	if org != "" {
		o, err := c.resolveOrg(ctx, org)
		if err != nil {
			return err
		}
		orgs = []store.Org{o}
	}
	broken := 0
	for _, o := range orgs {
		res, err := audit.Verify(ctx, c.s.Audit(), o.ID)
		if err != nil {
			return err
		}
		if res.OK {
			fmt.Fprintf(env.Stdout, "ok      %q: %d entries, chain intact\n", o.Name, res.Entries)
			continue
		}
		broken++
		fmt.Fprintf(env.Stdout, "BROKEN  %q: first broken link at entry %d: %s\n", o.Name, res.BrokenAtSeq, res.Reason)
	}
	if broken > 0 {
		return fmt.Errorf("the audit log of %d organisation(s) was altered", broken)
	}
	return nil
}
