from cchc_xl.cli import main

raise SystemExit(main())
