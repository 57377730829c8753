// The Vant components the client uses, registered one by one with their own CSS, so the build
// does not carry all of Vant. A screen needing another component adds it here.
import { Button, Cell, CellGroup, Checkbox, Dialog, Empty, Field, Icon, Loading, NavBar, Progress, Step, Steps, Tag }
  from 'vant'
import 'vant/es/button/style/index'
import 'vant/es/cell/style/index'
import 'vant/es/cell-group/style/index'
import 'vant/es/checkbox/style/index'
import 'vant/es/dialog/style/index'
import 'vant/es/empty/style/index'
import 'vant/es/field/style/index'
import 'vant/es/icon/style/index'
import 'vant/es/loading/style/index'
import 'vant/es/nav-bar/style/index'
import 'vant/es/progress/style/index'
import 'vant/es/step/style/index'
import 'vant/es/steps/style/index'
import 'vant/es/tag/style/index'

const COMPONENTS = [Button, Cell, CellGroup, Checkbox, Dialog, Empty, Field, Icon, Loading, NavBar, Progress, Step, Steps, Tag]

export function registerVant(app) {
  for (const component of COMPONENTS) app.use(component)
}
