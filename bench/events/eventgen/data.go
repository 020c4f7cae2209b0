package eventgen

// The vocabularies events are drawn from. Order matters: Zipf draws favour
// the first entries, so the busiest users and hosts come first.

var users = []string{
	"svc_backup", "jsmith", "maria.garcia", "administrator", "akumar", "li.wei", "svc_sql", "oconnor",
	"ebrown", "nmuller", "sato.k", "fdubois", "rjohnson", "awilliams", "pnowak", "svc_deploy",
	"mrossi", "jlee", "cmartin", "dkim", "hansen.e", "tnguyen", "lgarcia", "kpatel",
	"jwilson", "amoore", "svc_monitor", "sanchez.j", "btaylor", "janderson", "mthomas", "cjackson",
	"swhite", "dharris", "rmartin", "pthompson", "jmartinez", "krobinson", "lclark", "rodriguez.m",
	"wlewis", "blee", "jwalker", "ahall", "callen", "syoung", "mhernandez", "dking",
	"jwright", "clopez", "ahill", "jscott", "mgreen", "badams", "rbaker", "gnelson",
	"ccarter", "lmitchell", "eperez", "rroberts", "jturner", "mphillips", "scampbell", "dparker",
	"kevans", "pedwards", "ccollins", "wstewart", "psanchez", "hmorris", "jrogers", "areed",
	"ccook", "vmorgan", "dbell", "gmurphy", "rbailey", "mrivera", "lcooper", "jrichardson",
	"helpdesk01", "helpdesk02", "svc_scanner", "it.admin", "soc.analyst", "root", "ubuntu", "deploy",
}

var invalidUsers = []string{
	"admin", "test", "oracle", "ubuntu", "pi", "guest", "ftpuser", "user", "postgres", "git",
	"support", "mysql", "jenkins", "hadoop", "nagios", "tomcat", "www", "ansible", "vagrant", "elastic",
}

var linuxHosts = []string{
	"bastion-01", "web-01", "web-02", "web-03", "db-01", "db-02", "k8s-node-01", "k8s-node-02",
	"k8s-node-03", "k8s-node-04", "build-01", "build-02", "mail-01", "vpn-01", "web-04", "web-05",
	"db-03", "cache-01", "cache-02", "k8s-node-05", "k8s-node-06", "k8s-node-07", "k8s-node-08", "log-01",
	"git-01", "ci-runner-01", "ci-runner-02", "ci-runner-03", "monitor-01", "backup-01", "nfs-01", "ldap-01",
}

var webHosts = []string{"web-01", "web-02", "web-03", "web-04", "web-05", "shop", "api", "portal"}

var firewalls = []string{"fw-edge-01", "fw-edge-02", "fw-core-01", "fw-dmz-01"}

// winHosts is how many Windows hosts there are (DC-01, DC-02, FS-01 and
// workstations WS-0003...).
const winHosts = 1200

type country struct {
	iso         string
	firstOctets []int
}

var countries = []country{
	{"US", []int{3, 13, 23, 34, 44, 52, 54, 63, 64, 66, 68, 71, 72, 74, 75, 96, 98, 104, 107, 108}},
	{"CN", []int{1, 14, 27, 36, 39, 42, 58, 59, 60, 61, 101, 110, 111, 112, 113, 114, 115, 116, 117, 118}},
	{"RU", []int{5, 31, 37, 46, 77, 78, 79, 80, 81, 82, 83, 85, 87, 88, 89, 90, 91, 92, 93, 94, 95}},
	{"DE", []int{2, 5, 31, 46, 62, 77, 78, 79, 80, 81, 84, 85, 87, 88, 89, 91, 93, 94, 95}},
	{"BR", []int{131, 138, 143, 152, 168, 177, 179, 186, 187, 189, 191, 200, 201}},
	{"IN", []int{14, 27, 43, 49, 59, 103, 106, 110, 115, 117, 122, 157, 182}},
	{"NL", []int{31, 37, 45, 46, 62, 77, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95}},
	{"FR", []int{2, 5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92}},
	{"GB", []int{2, 5, 25, 31, 37, 46, 51, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90}},
	{"KR", []int{1, 14, 27, 39, 42, 49, 58, 59, 61, 106, 110, 112, 114, 115, 116, 118, 119, 121, 122}},
	{"VN", []int{1, 14, 27, 42, 58, 101, 103, 113, 115, 116, 117, 118, 123, 125}},
	{"ES", []int{2, 5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 83, 84, 85, 87, 88, 90, 91, 92, 93, 95}},
	{"IR", []int{2, 5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 85, 86, 87, 89, 91, 92, 93, 94, 95}},
	{"JP", []int{1, 14, 27, 36, 39, 42, 43, 49, 58, 59, 60, 61, 101, 106, 110, 111, 112, 113, 114}},
}

var sudoCommands = []string{
	"/usr/bin/systemctl restart nginx", "/usr/bin/apt-get update", "/usr/bin/apt-get -y upgrade",
	"/usr/bin/journalctl -u sshd --since today", "/bin/cat /var/log/auth.log", "/usr/bin/docker ps -a",
	"/usr/bin/kubectl get pods -A", "/usr/bin/vim /etc/nginx/nginx.conf", "/usr/sbin/iptables -L -n",
	"/usr/bin/tail -f /var/log/syslog", "/bin/systemctl status postgresql", "/usr/bin/crontab -l",
	"/usr/bin/passwd deploy", "/usr/sbin/useradd -m tempuser", "/bin/chmod 4755 /tmp/.x",
}

type winProc struct {
	exe, cmd, parentExe string
	suspicious          bool
}

var winProcs = []winProc{
	{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `C:\Windows\System32\services.exe`, false},
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, false},
	{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`, `C:\Windows\System32\cmd.exe`, false},
	{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE"`, `C:\Windows\explorer.exe`, false},
	{`C:\Windows\System32\cmd.exe`, `C:\Windows\system32\cmd.exe /c ipconfig /all`, `C:\Windows\explorer.exe`, false},
	{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\IT\inventory.ps1`, `C:\Windows\System32\svchost.exe`, false},
	{`C:\Windows\System32\taskhostw.exe`, `taskhostw.exe Install $(Arg0)`, `C:\Windows\System32\svchost.exe`, false},
	{`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\Public\Documents\Q3 report.docx"`, `C:\Windows\explorer.exe`, false},
	{`C:\Windows\System32\msiexec.exe`, `C:\Windows\system32\msiexec.exe /V`, `C:\Windows\System32\services.exe`, false},
	{`C:\Windows\System32\wbem\WmiPrvSE.exe`, `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`, `C:\Windows\System32\svchost.exe`, false},
	{`C:\Program Files\Microsoft VS Code\Code.exe`, `"C:\Program Files\Microsoft VS Code\Code.exe" --type=utility --utility-sub-type=node.mojom.NodeService`, `C:\Program Files\Microsoft VS Code\Code.exe`, false},
	{`C:\Windows\System32\net.exe`, `net user /domain`, `C:\Windows\System32\cmd.exe`, true},
	{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA`, `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, true},
	{`C:\Windows\System32\rundll32.exe`, `rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 C:\Temp\lsass.dmp full`, `C:\Windows\System32\cmd.exe`, true},
	{`C:\Windows\System32\whoami.exe`, `whoami /all`, `C:\Windows\System32\cmd.exe`, false},
	{`C:\Windows\System32\schtasks.exe`, `schtasks /create /tn "Updater" /tr C:\Users\Public\upd.exe /sc minute /mo 30`, `C:\Windows\System32\cmd.exe`, true},
}

var netProcs = []string{
	`C:\Program Files\Google\Chrome\Application\chrome.exe`,
	`C:\Program Files\Google\Chrome\Application\chrome.exe`,
	`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`,
	`C:\Windows\System32\svchost.exe`,
	`C:\Program Files\Microsoft OneDrive\OneDrive.exe`,
	`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`,
	`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
	`C:\Program Files\Zoom\bin\Zoom.exe`,
}

var urlPaths = []string{
	"/", "/index.html", "/api/v1/health", "/static/js/app.3f9a1c.js", "/static/css/main.8e2b4d.css",
	"/api/v1/items?page=%d", "/api/v1/orders/%d", "/login", "/favicon.ico", "/api/v1/cart",
	"/products/%d", "/search?q=shoes&page=%d", "/images/banner-%d.webp", "/robots.txt", "/sitemap.xml",
	"/wp-login.php", "/.env", "/admin/config.php", "/cgi-bin/luci/;stok=/locale", "/api/v1/users/%d/profile",
	"/.git/config", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/actuator/health", "/server-status",
}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
	"curl/8.5.0",
	"python-requests/2.32.3",
	"Go-http-client/1.1",
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"zgrab/0.x",
	"Mozilla/5.0 zgrab/0.x",
}
